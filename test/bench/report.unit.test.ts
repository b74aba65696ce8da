// The benchmarks' report (bench/support.ts): its summary says PASS only when every target it was given is
// met: the table's rows with a target, the checks under the table, and the targets whose lines the caller
// prints below it (classify once said PASS above a MISS printed after the summary).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { report } from '../../bench/support.js';

let printed = '';
afterEach(() => vi.restoreAllMocks());
const capture = () => {
  printed = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    printed += String(chunk);
    return true;
  });
};

const rows = [{ case: 'measured', rowsPerSec: 90, baselineRowsPerSec: 100, targetPercent: 50 }];

describe('report', () => {
  it('says PASS when the rows and the checks are met and nothing is below', () => {
    capture();
    expect(report('t', rows, { server: 's', checks: [{ text: 'check:', met: true }] })).toBe(true);
    expect(printed).toContain('summary: PASS (every target met)');
  });

  it('counts a target printed below the report', () => {
    capture();
    expect(report('t', rows, { server: 's', below: [true, false] })).toBe(false);
    expect(printed).toContain(
      'summary: MISS (see the rows marked MISS, here and below; targets, not assertions)',
    );
  });

  it('says so when the targets below are met too', () => {
    capture();
    expect(report('t', rows, { server: 's', below: [true] })).toBe(true);
    expect(printed).toContain('summary: PASS (every target met, here and below)');
  });

  it('counts a missed check and a missed row', () => {
    capture();
    expect(report('t', rows, { server: 's', checks: [{ text: 'check:', met: false }] })).toBe(false);
    expect(printed).toContain('check: MISS');
    capture();
    expect(report('t', [{ ...rows[0]!, rowsPerSec: 40 }], { server: 's' })).toBe(false);
  });
});
