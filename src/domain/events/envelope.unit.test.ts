// Positions in the log: ordering, text form.
import { describe, expect, it } from 'vitest';
import { comparePositions, formatPosition, parsePosition, START, type Position } from './envelope.js';

describe('comparePositions', () => {
  const p = (commit: bigint, prepare: bigint): Position => ({ commit, prepare });

  it('orders by commit first', () => {
    expect(comparePositions(p(1n, 9n), p(2n, 0n))).toBe(-1);
    expect(comparePositions(p(2n, 0n), p(1n, 9n))).toBe(1);
  });

  it('orders by prepare when commits are equal', () => {
    expect(comparePositions(p(3n, 3n), p(3n, 4n))).toBe(-1);
    expect(comparePositions(p(3n, 4n), p(3n, 3n))).toBe(1);
  });

  it('returns 0 for equal positions', () => {
    expect(comparePositions(p(5n, 6n), p(5n, 6n))).toBe(0);
    expect(comparePositions(START, { ...START })).toBe(0);
  });

  it('puts START before every real position', () => {
    expect(comparePositions(START, p(0n, 0n))).toBe(-1);
  });

  it('compares values past Number.MAX_SAFE_INTEGER exactly', () => {
    expect(comparePositions(p(9_007_199_254_740_993n, 0n), p(9_007_199_254_740_992n, 0n))).toBe(1);
  });

  it('sorts a list', () => {
    const sorted = [p(2n, 1n), p(1n, 5n), START, p(2n, 0n)].sort(comparePositions);
    expect(sorted).toEqual([START, p(1n, 5n), p(2n, 0n), p(2n, 1n)]);
  });
});

describe('formatPosition and parsePosition', () => {
  it('formats as commit/prepare', () => {
    expect(formatPosition({ commit: 12n, prepare: 34n })).toBe('12/34');
    expect(formatPosition(START)).toBe('-1/-1');
  });

  it.each([
    START,
    { commit: 0n, prepare: 0n },
    { commit: 7n, prepare: 42n },
    { commit: 2n ** 64n - 1n, prepare: 9_007_199_254_740_993n },
  ])('round-trips %o', (position) => {
    expect(parsePosition(formatPosition(position))).toEqual(position);
  });

  it('trims surrounding whitespace', () => {
    expect(parsePosition('  5/6\n')).toEqual({ commit: 5n, prepare: 6n });
  });

  it.each(['', 'abc', '1/', '/2', '1/2/3', '1.5/2', '1 / 2', '0x1/2', '1,2'])('rejects %j', (text) => {
    expect(() => parsePosition(text)).toThrow(`expected a position as "commit/prepare", got '${text}'`);
  });
});
