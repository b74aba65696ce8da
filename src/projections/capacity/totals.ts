// The fleet's total size for the dashboard, from instance_size_stats (one row per instance per collected
// day) over the instances not deleted: the total now and some days ago (each instance's latest collected
// total on or before the day), and the total per collected day. Sizes in MB, as the stats hold them.
import type { Knex } from 'knex';

/** Each live instance's latest total on or before `day` ('YYYY-MM-DD'), summed; and how many had one. */
const totalOn = (knex: Knex, day: string) =>
  knex
    .raw(
      `SELECT coalesce(sum(t.total_size_mb), 0)::text AS mb, count(t.total_size_mb)::int AS instances,
              max(t.collected_date)::text AS latest
       FROM instances i
       CROSS JOIN LATERAL (
         SELECT s.total_size_mb, s.collected_date FROM instance_size_stats s
         WHERE s.instance_id = i.id AND s.collected_date <= ?::date
         ORDER BY s.collected_date DESC
         LIMIT 1
       ) t
       WHERE i.deleted_at IS NULL`,
      [day],
    )
    .then((r: { rows: { mb: string; instances: number; latest: string | null }[] }) => r.rows[0]!);

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/**
 * The total on `today` and `days` days before it, and the change between them. An instance with no stats
 * on or before the earlier day counts 0 there, so a newly registered instance is growth of the fleet.
 */
export async function totalSizeGrowth(knex: Knex, today: string, days: number) {
  const before = new Date(Date.parse(`${today}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
  const [now, then] = await Promise.all([totalOn(knex, today), totalOn(knex, before)]);
  const nowMb = round3(Number(now.mb));
  const thenMb = round3(Number(then.mb));
  return {
    total_size_mb: nowMb,
    instances: now.instances,
    latest_collected_date: now.latest,
    growth: {
      days,
      since: before,
      total_size_mb_then: thenMb,
      change_mb: round3(nowMb - thenMb),
      change_percent: thenMb === 0 ? null : Math.round(((nowMb - thenMb) / thenMb) * 100_000) / 1000,
    },
  };
}

/** The sum of the live instances' totals collected on each day from `first` to `last`: day -> MB. */
export async function dailyTotalSizes(knex: Knex, first: string, last: string): Promise<Map<string, number>> {
  const rows: { day: string; mb: string }[] = await knex({ s: 'instance_size_stats' })
    .join({ i: 'instances' }, 'i.id', 's.instance_id')
    .whereNull('i.deleted_at')
    .whereBetween('s.collected_date', [first, last])
    .groupBy('s.collected_date')
    .select(knex.raw('s.collected_date::text AS day'), knex.raw('sum(s.total_size_mb)::text AS mb'));
  return new Map(rows.map((r) => [r.day, round3(Number(r.mb))]));
}
