// Answers computed once per state of the read tables. The read tables change only when a projection
// applies a batch, and every batch moves its projection's checkpoint, so an answer computed under the same
// checkpoints is still exact. Used for the totals of list pages (meta.total: a count of every matching row
// costs a scan, 185 ms for 500,000 accounts, the page itself an index read) and for the dashboard overview
// (25 statements; every client polls it). A process that follows another's projections sees their
// checkpoints with its poll delay (PROJECTION_POLL_MS): for that long an answer may be the one before the
// last batch. Concurrent callers of one key and state share one computation (single flight). With
// `staleMs`, an answer that is out of date (a checkpoint moved, or older than maxAgeMs) is still served
// while one newer computation runs, as long as it is younger than staleMs (stale while revalidate).
import { formatPosition } from '../domain/events/envelope.js';
import type { PageTotals } from '../projections/paging.js';
import type { ApiDeps } from './deps.js';

/** Answers kept at most (one per key asked for; the oldest is dropped first). */
const KEPT = 1000;

interface Computation<T> {
  /** The checkpoints when it started. */
  state: string;
  /** When it started: an answer's age counts from here. */
  at: number;
  answer: Promise<T>;
}

interface Kept<T> {
  /** The latest computation that succeeded (its answer is settled). */
  done?: Computation<T>;
  /** The computation under way (undefined when none is). */
  running?: Computation<T>;
}

export interface KeptOptions {
  /** An answer is reused for at most this long (for answers that also depend on the clock). */
  maxAgeMs?: number;
  /**
   * Serve an out-of-date answer while a newer one is computed, if it is younger than this (counted from
   * the start of its computation). Past it, callers wait for a computation, and see its failure.
   */
  staleMs?: number;
  now?: () => number;
}

/**
 * `(key, compute)`: compute's answer, reused for the same key while every projection checkpoint is where
 * it was and (with `maxAgeMs`) for at most that long; with `staleMs`, an out-of-date answer younger than
 * staleMs is served at once while one newer computation runs.
 */
export function keptWhileUnchanged<T>(
  projections: ApiDeps['projections'],
  options: KeptOptions = {},
): (key: string, compute: () => Promise<T>) => Promise<T> {
  const { maxAgeMs = Infinity, staleMs = 0, now = Date.now } = options;
  const kept = new Map<string, Kept<T>>();

  const start = (key: string, entry: Kept<T>, state: string, compute: () => Promise<T>) => {
    const run: Computation<T> = { state, at: now(), answer: compute() };
    entry.running = run;
    kept.delete(key);
    kept.set(key, entry);
    // A failure is not kept (the last answer that succeeded stays, within staleMs): the next caller
    // computes again.
    run.answer.then(
      () => {
        if (entry.running === run) entry.running = undefined;
        if (!entry.done || entry.done.at <= run.at) entry.done = run;
      },
      () => {
        if (entry.running === run) entry.running = undefined;
      },
    );
    return run.answer;
  };

  return (key, compute) => {
    const status = projections.status();
    // Without running projections nothing tells when the tables change: compute every time.
    if (status.length === 0 || !status.every((p) => p.running)) return compute();
    const state = status.map((p) => formatPosition(p.checkpoint)).join(' ');
    let entry = kept.get(key);
    if (!entry) {
      if (kept.size >= KEPT) kept.delete(kept.keys().next().value!);
      entry = {};
    }
    const age = (c: Computation<T>) => now() - c.at;
    const { done, running } = entry;
    if (done?.state === state && age(done) < maxAgeMs) return done.answer;
    if (done && age(done) < staleMs) {
      // Out of date but within its bound: served at once; one newer computation at a time.
      if (!running) start(key, entry, state, compute).catch(() => undefined);
      return done.answer;
    }
    // Single flight: join the computation under way if its answer will be young enough.
    if (running && ((running.state === state && age(running) < maxAgeMs) || age(running) < staleMs))
      return running.answer;
    return start(key, entry, state, compute);
  };
}

/** Page totals (meta.total) counted once per state of the read tables. */
export const pageTotals = (projections: ApiDeps['projections']): PageTotals =>
  keptWhileUnchanged<number>(projections);
