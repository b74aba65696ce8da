// instance_latest_sizes: per instance, the latest collected_date of its instance_size_stats rows, kept by
// the capacity projection in the transaction that writes the rows (migration 0036). The dashboard's fleet
// total (totals.ts) reads each instance's latest row through it by primary key: searching the monthly
// partitions for each of 10,000 instances, 9,000 of them without stats at all, cost 1.2 s per figure.
// A day only ever moves forward (a late event for an older day leaves it as it is), so it is the
// maximum of the rows' days, a function of the rows alone, and a rebuild writes the same rows. Dropping
// a month partition removes rows behind the projection's back: the day kept may then be later than the
// latest row left, which is why totals.ts falls back to the search when that row is missing.
import { prepared } from '../../adapters/db/preparedStatements.js';
import type { ProjectionContext } from '../projection.js';

export const latestSizeTable = 'instance_latest_sizes';

/** The instances and days of a batch's StatsSaved events: each instance's day moves to the latest of them. */
export async function keepLatestSizes(
  { trx, table }: ProjectionContext,
  stats: readonly { instanceId: string; collectedDate: string }[],
): Promise<void> {
  if (stats.length === 0) return;
  const latest = new Map<string, string>();
  for (const s of stats) {
    const day = latest.get(s.instanceId);
    // YYYY-MM-DD strings sort as the days they name.
    if (day === undefined || s.collectedDate > day) latest.set(s.instanceId, s.collectedDate);
  }
  await trx
    .raw(
      `INSERT INTO ?? AS l (instance_id, collected_date)
     SELECT instance_id, collected_date FROM jsonb_to_recordset(?::jsonb) AS k(instance_id uuid, collected_date date)
     ON CONFLICT (instance_id) DO UPDATE SET collected_date = excluded.collected_date
     WHERE l.collected_date < excluded.collected_date`,
      [
        table(latestSizeTable),
        JSON.stringify([...latest].map(([instance_id, collected_date]) => ({ instance_id, collected_date }))),
      ],
    )
    .options(prepared);
}
