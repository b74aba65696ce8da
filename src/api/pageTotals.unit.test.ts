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

  /** A computation the test settles by hand. */
  const deferred = () => {
    let resolve!: (n: number) => void;
    let reject!: (err: Error) => void;
    const answer = new Promise<number>((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    return { answer, resolve, reject };
  };
  const settled = async <T>(p: Promise<T>) => {
    const none = Symbol('pending');
    const first = await Promise.race([p, new Promise<typeof none>((r) => setTimeout(() => r(none), 20))]);
    return first === none ? 'pending' : first;
  };

  it('with staleMs, serves the kept answer at once while one newer computation runs', async () => {
    let clock = 0;
    const status = [runner(5)];
    const kept = keptWhileUnchanged<number>(projections(status), {
      maxAgeMs: 2000,
      staleMs: 10_000,
      now: () => clock,
    });
    expect(await kept('o', () => Promise.resolve(1))).toBe(1);
    let started = 0;
    const next = deferred();
    const compute = () => {
      started++;
      return next.answer;
    };
    // Expired by the clock: served at once, one recomputation for every caller.
    clock = 2500;
    expect(await settled(kept('o', compute))).toBe(1);
    expect(await settled(kept('o', compute))).toBe(1);
    // A checkpoint moved: still served while the one computation runs.
    status[0] = runner(6);
    expect(await settled(kept('o', compute))).toBe(1);
    expect(started).toBe(1);
    next.resolve(2);
    await next.answer;
    // The new answer was started under checkpoint 5: checkpoint 6 asks for another, served meanwhile.
    const third = deferred();
    expect(await settled(kept('o', () => third.answer))).toBe(2);
    third.resolve(3);
    await third.answer;
    expect(await kept('o', compute)).toBe(3);
    expect(started).toBe(1);
  });

  it('with staleMs, a failing computation leaves the last answer served until staleMs, then callers see the failure', async () => {
    let clock = 0;
    const kept = keptWhileUnchanged<number>(projections([runner(5)]), {
      maxAgeMs: 2000,
      staleMs: 10_000,
      now: () => clock,
    });
    expect(await kept('o', () => Promise.resolve(1))).toBe(1);
    let failures = 0;
    const failing = () => {
      failures++;
      return Promise.reject(new Error('down'));
    };
    clock = 3000;
    expect(await kept('o', failing)).toBe(1);
    await Promise.resolve();
    // Each failure is retried by the next caller, one at a time.
    clock = 9999;
    expect(await kept('o', failing)).toBe(1);
    expect(failures).toBe(2);
    await Promise.resolve();
    clock = 10_000;
    await expect(kept('o', failing)).rejects.toThrow('down');
    await Promise.resolve();
    expect(await kept('o', () => Promise.resolve(4))).toBe(4);
  });

  it('with staleMs, the first callers wait for the first computation (nothing to serve yet)', async () => {
    const kept = keptWhileUnchanged<number>(projections([runner(5)]), { maxAgeMs: 2000, staleMs: 10_000 });
    const first = deferred();
    let started = 0;
    const compute = () => {
      started++;
      return first.answer;
    };
    const a = kept('o', compute);
    const b = kept('o', compute);
    expect(await settled(a)).toBe('pending');
    first.resolve(1);
    expect(await Promise.all([a, b])).toEqual([1, 1]);
    expect(started).toBe(1);
  });
});
