// The fleet's total size for the dashboard, from instance_size_stats (one row per instance per collected
// day) over the instances not deleted: the total now and some days ago (each instance's latest collected
// total on or before the day), and the total per collected day. Sizes in MB, as the stats hold them.
import type { Knex } from 'knex';

/** Days before a figure's day searched first: the partitions of about one month (two or three). */
const NEAR_DAYS = 31;

/**
 * Each live instance's latest total on or before `day` ('YYYY-MM-DD'), summed; and how many had one.
 * Only instances in instance_latest_sizes have stats (latestSizes.ts). When an instance's latest day is
 * on or before `day`, its row is read by primary key; else (or when a dropped partition took that row)
 * its latest row of the NEAR_DAYS up to `day`, and only when there is none, the search of every earlier
 * partition. Each search of a LATERAL runs only when the ones before it found nothing.
 */
export const totalOn = (knex: Knex, day: string) =>
  knex
    .raw(
      `SELECT coalesce(sum(t.total_size_mb), 0)::text AS mb, count(t.total_size_mb)::int AS instances,
              max(t.collected_date)::text AS latest
       FROM instances i
       JOIN instance_latest_sizes l ON l.instance_id = i.id
       LEFT JOIN LATERAL (
         SELECT s.total_size_mb, s.collected_date FROM instance_size_stats s
         WHERE l.collected_date <= ?::date
           AND s.instance_id = l.instance_id AND s.collected_date = l.collected_date
         LIMIT 1
       ) k ON true
       LEFT JOIN LATERAL (
         SELECT s.total_size_mb, s.collected_date FROM instance_size_stats s
         WHERE k.collected_date IS NULL AND s.instance_id = i.id
           AND s.collected_date <= ?::date AND s.collected_date > (?::date - ?::int)
         ORDER BY s.collected_date DESC
         LIMIT 1
       ) n ON true
       LEFT JOIN LATERAL (
         SELECT s.total_size_mb, s.collected_date FROM instance_size_stats s
         WHERE k.collected_date IS NULL AND n.collected_date IS NULL AND s.instance_id = i.id
           AND s.collected_date <= (?::date - ?::int)
         ORDER BY s.collected_date DESC
         LIMIT 1
       ) o ON true
       CROSS JOIN LATERAL (
         SELECT coalesce(k.total_size_mb, n.total_size_mb, o.total_size_mb) AS total_size_mb,
                coalesce(k.collected_date, n.collected_date, o.collected_date) AS collected_date
       ) t
       WHERE i.deleted_at IS NULL`,
      [day, day, day, NEAR_DAYS, day, NEAR_DAYS],
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
