// Cron validation (five fields, a real time zone) and tick times, across both DST changes of 2026 in
// Europe/Berlin and in a zone without DST.
import { describe, expect, it } from 'vitest';
import { cronProblem, lastTick, nextTick, ticksBetween } from './cron.js';

const iso = (d: Date) => d.toISOString();

describe('cron', () => {
  it('accepts five-field expressions in a real time zone, and names what is wrong otherwise', () => {
    expect(cronProblem('0 1 * * *', 'Asia/Shanghai')).toBeUndefined();
    expect(cronProblem('*/15 * * * 1-5', 'UTC')).toBeUndefined();
    expect(cronProblem('* * * *', 'UTC')).toMatch(/has 4 field\(s\)/);
    expect(cronProblem('0 0 1 * * *', 'UTC')).toMatch(/has 6 field\(s\)/);
    expect(cronProblem('61 1 * * *', 'UTC')).toMatch(/'61 1 \* \* \*' is not a valid cron expression/);
    expect(cronProblem('0 1 * * *', 'Mars/Olympus')).toMatch(/unknown time zone 'Mars\/Olympus'/);
  });

  it('computes the next run in the job time zone', () => {
    const from = new Date('2026-12-02T10:00:00Z');
    expect(iso(nextTick('0 1 * * *', 'Asia/Shanghai', from))).toBe('2026-12-02T17:00:00.000Z');
    expect(iso(nextTick('0 1 * * *', 'UTC', from))).toBe('2026-12-03T01:00:00.000Z');
    expect(iso(lastTick('0 1 * * *', 'UTC', new Date('2026-12-03T01:00:00Z'))!)).toBe(
      '2026-12-03T01:00:00.000Z',
    );
  });

  it('runs a daily time once across the spring-forward gap and once across the fall-back overlap', () => {
    const spring = ticksBetween(
      '30 2 * * *',
      'Europe/Berlin',
      new Date('2026-03-27T00:00:00Z'),
      new Date('2026-03-31T00:00:00Z'),
    );
    // 02:30 does not exist on 29 March: that day it runs at 03:30 CEST (01:30Z).
    expect(spring.map(iso)).toEqual([
      '2026-03-27T01:30:00.000Z',
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
    const autumn = ticksBetween(
      '30 2 * * *',
      'Europe/Berlin',
      new Date('2026-10-23T00:00:00Z'),
      new Date('2026-10-27T00:00:00Z'),
    );
    // 02:30 happens twice on 25 October: it runs once, at the first (CEST, 00:30Z).
    expect(autumn.map(iso)).toEqual([
      '2026-10-23T00:30:00.000Z',
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
    const hourly = ticksBetween(
      '0 * * * *',
      'Europe/Berlin',
      new Date('2026-10-24T23:30:00Z'),
      new Date('2026-10-25T02:30:00Z'),
    );
    // Hourly across fall-back: every real hour, none twice.
    expect(hourly.map(iso)).toEqual([
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T02:00:00.000Z',
    ]);
  });

  it('keeps the newest ticks when there are more than the limit', () => {
    const ticks = ticksBetween(
      '* * * * *',
      'UTC',
      new Date('2026-12-01T00:00:00Z'),
      new Date('2026-12-01T01:00:00Z'),
      3,
    );
    expect(ticks.map(iso)).toEqual([
      '2026-12-01T00:58:00.000Z',
      '2026-12-01T00:59:00.000Z',
      '2026-12-01T01:00:00.000Z',
    ]);
  });
});

describe('lastTick', () => {
  it('finds the tick a spring-forward gap moved (cron-parser prev() alone misses it)', () => {
    expect(lastTick('30 2 * * *', 'Europe/Berlin', new Date('2026-03-29T01:30:30Z'))?.toISOString()).toBe(
      '2026-03-29T01:30:00.000Z',
    );
    expect(lastTick('30 2 * * *', 'Europe/Berlin', new Date('2026-03-29T01:29:00Z'))?.toISOString()).toBe(
      '2026-03-28T01:30:00.000Z',
    );
  });
});
