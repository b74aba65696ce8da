// The answer of a batch route: one result per item (one bad item never sinks the others), sent once the
// read tables show the batch's last change.
import type { Position } from '../domain/events/envelope.js';
import type { ApiDeps } from './deps.js';

export async function batchAnswer<R extends { ok: boolean }, K extends string>(
  projections: ApiDeps['projections'],
  last: Position | undefined,
  results: R[],
  okCount: K,
): Promise<{ data: { results: R[]; failed: number } & Record<K, number> }> {
  if (last) await projections.waitForPosition(last);
  const ok = results.filter((r) => r.ok).length;
  const counts = { [okCount]: ok } as Record<K, number>;
  return { data: { results, ...counts, failed: results.length - ok } };
}
