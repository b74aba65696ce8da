// Answers computed once per state of the read tables. The read tables change only when a projection
// applies a batch, and every batch moves its projection's checkpoint, so an answer computed under the same
// checkpoints is still exact. Used for the totals of list pages (meta.total: a count of every matching row
// costs a scan, 185 ms for 500,000 accounts, the page itself an index read) and for the dashboard overview
// (25 statements; every client polls it). A process that follows another's projections sees their
// checkpoints with its poll delay (PROJECTION_POLL_MS): for that long an answer may be the one before the
// last batch. Concurrent callers of one key and state share one computation (single flight).
import { formatPosition } from '../domain/events/envelope.js';
import type { PageTotals } from '../projections/paging.js';
import type { ApiDeps } from './deps.js';

/** Answers kept at most (one per key asked for; the oldest is dropped first). */
const KEPT = 1000;

/**
 * `(key, compute)`: compute's answer, reused for the same key while every projection checkpoint is where
 * it was and (with `maxAgeMs`, for answers that also depend on the clock) for at most that long.
 */
export function keptWhileUnchanged<T>(
  projections: ApiDeps['projections'],
  options: { maxAgeMs?: number; now?: () => number } = {},
): (key: string, compute: () => Promise<T>) => Promise<T> {
  const { maxAgeMs = Infinity, now = Date.now } = options;
  const kept = new Map<string, { state: string; at: number; answer: Promise<T> }>();
  return (key, compute) => {
    const status = projections.status();
    // Without running projections nothing tells when the tables change: compute every time.
    if (status.length === 0 || !status.every((p) => p.running)) return compute();
    const state = status.map((p) => formatPosition(p.checkpoint)).join(' ');
    const known = kept.get(key);
    if (known?.state === state && now() - known.at < maxAgeMs) return known.answer;
    const answer = compute();
    kept.delete(key);
    if (kept.size >= KEPT) kept.delete(kept.keys().next().value!);
    const entry = { state, at: now(), answer };
    kept.set(key, entry);
    // A failure is not kept: the next caller computes again.
    answer.catch(() => {
      if (kept.get(key) === entry) kept.delete(key);
    });
    return answer;
  };
}

/** Page totals (meta.total) counted once per state of the read tables. */
export const pageTotals = (projections: ApiDeps['projections']): PageTotals =>
  keptWhileUnchanged<number>(projections);
