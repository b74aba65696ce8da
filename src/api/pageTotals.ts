// The totals of list pages (meta.total), counted once per state of the read tables: a count of every
// matching row costs a scan of the rows (185 ms for 500,000 accounts), the page itself an index read.
// The read tables change only when a projection applies a batch, and every batch moves its projection's
// checkpoint, so a total counted under the same checkpoints is still exact. A process that follows
// another's projections sees their checkpoints with its poll delay (PROJECTION_POLL_MS): for that long a
// total may be the one before the last batch, while the page is read fresh.
import { formatPosition } from '../domain/events/envelope.js';
import type { PageTotals } from '../projections/paging.js';
import type { ApiDeps } from './deps.js';

/** Totals kept at most (one per filter combination asked for; the oldest is dropped first). */
const KEPT = 1000;

export function pageTotals(projections: ApiDeps['projections']): PageTotals {
  const kept = new Map<string, { state: string; total: number }>();
  return async (key, count) => {
    const status = projections.status();
    // Without running projections nothing tells when the tables change: count every time.
    if (status.length === 0 || !status.every((p) => p.running)) return count();
    const state = status.map((p) => formatPosition(p.checkpoint)).join(' ');
    const known = kept.get(key);
    if (known?.state === state) return known.total;
    const total = await count();
    kept.delete(key);
    if (kept.size >= KEPT) kept.delete(kept.keys().next().value!);
    kept.set(key, { state, total });
    return total;
  };
}
