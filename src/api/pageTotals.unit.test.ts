import { describe, expect, it } from 'vitest';
import type { RunnerStatus } from '../projections/runner.js';
import { keptWhileUnchanged, pageTotals } from './pageTotals.js';

const runner = (prepare: number, running = true): RunnerStatus => ({
  projection: 'accounts',
  checkpoint: { commit: BigInt(prepare), prepare: BigInt(prepare) },
  running,
  leader: true,
  caughtUp: true,
  lastError: undefined,
  lastErrorAt: undefined,
});

function fixture(status: RunnerStatus[]) {
  let counted = 0;
  const projections = { status: () => status, waitForPosition: () => Promise.resolve() };
  const totals = pageTotals(projections);
  const total = (key: string, n: number) =>
    totals(key, () => {
      counted++;
      return Promise.resolve(n);
    });
  return { total, counted: () => counted };
}

describe('page totals', () => {
  it('counts a query once while the checkpoints stay, and again once one moves', async () => {
    const status = [runner(5)];
    const f = fixture(status);
    expect(await f.total('select count(*) from a', 3)).toBe(3);
    expect(await f.total('select count(*) from a', 4)).toBe(3);
    expect(f.counted()).toBe(1);
    status[0] = runner(6);
    expect(await f.total('select count(*) from a', 4)).toBe(4);
    expect(f.counted()).toBe(2);
  });

  it('keeps each query apart', async () => {
    const f = fixture([runner(5)]);
    expect(await f.total('select count(*) from a where x = 1', 1)).toBe(1);
    expect(await f.total('select count(*) from a where x = 2', 2)).toBe(2);
    expect(f.counted()).toBe(2);
  });

  it('counts every time while projections are not running (nothing tells when the tables change)', async () => {
    for (const status of [[], [runner(5, false)]]) {
      const f = fixture(status);
      await f.total('q', 1);
      await f.total('q', 1);
      expect(f.counted()).toBe(2);
    }
  });
});

describe('answers kept while the read tables are unchanged', () => {
  const projections = (status: RunnerStatus[]) => ({
    status: () => status,
    waitForPosition: () => Promise.resolve(),
  });

  it('shares one computation between concurrent callers, and computes again after maxAgeMs', async () => {
    let clock = 0;
    let computed = 0;
    const kept = keptWhileUnchanged<number>(projections([runner(5)]), { maxAgeMs: 2000, now: () => clock });
    const compute = () => Promise.resolve(++computed);
    expect(await Promise.all([kept('o', compute), kept('o', compute), kept('o', compute)])).toEqual([
      1, 1, 1,
    ]);
    clock = 1999;
    expect(await kept('o', compute)).toBe(1);
    clock = 2000;
    expect(await kept('o', compute)).toBe(2);
  });

  it('does not keep a failure', async () => {
    const kept = keptWhileUnchanged<number>(projections([runner(5)]));
    await expect(kept('o', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await Promise.resolve();
    expect(await kept('o', () => Promise.resolve(7))).toBe(7);
  });
});
