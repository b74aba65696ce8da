// The dashboard's fleet total (totalSizeGrowth) read through instance_latest_sizes equals the search of
// every partition it replaced, on every day of a history that has each case: daily stats across months,
// an instance with old stats only, one without stats, a deleted one, a day later than the figure's day,
// a late event for an older day, a gap longer than the near window, and a latest row removed behind the
// projection's back (a dropped partition); the kept days equal the rows' latest days, live and rebuilt;
// and the statement no longer probes every partition for every instance.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import { ensurePartitions } from '../../adapters/db/partitions.js';
import { partitionedTables } from '../../commands/partitions.js';
import { capacityEvents } from '../../../test/support/capacityEvents.js';
import { projectionSpec } from '../../../test/support/projectionSpec.js';
import { latestSizeTable } from './latestSizes.js';
import { capacityProjection } from './projection.js';
import { totalOn, totalSizeGrowth } from './totals.js';

const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The statement totalSizeGrowth ran for each figure before instance_latest_sizes (migration 0036). */
async function searchedTotalOn(knex: Knex, day: string) {
  const { rows } = await knex.raw<{ rows: { mb: string; instances: number; latest: string | null }[] }>(
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
  );
  return rows[0]!;
}

describe('fleet total size through instance_latest_sizes', () => {
  const spec = projectionSpec(capacityProjection);
  const now = Date.now();
  const ago = (days: number) => dayOf(now - days * DAY_MS);

  const addInstances = (knex: Knex, ids: string[], deleted: string[] = []) =>
    knex('instances').insert(
      ids.map((id, n) => ({
        id,
        name: `pg-${n}-${id.slice(0, 8)}`,
        db_type: 'postgresql',
        host: 'db.example',
        port: 5432,
        created_at: new Date(now - 400 * DAY_MS),
        updated_at: new Date(now - 400 * DAY_MS),
        deleted_at: deleted.includes(id) ? new Date(now - DAY_MS) : null,
      })),
    );

  /** Each figure equals the old statement's for every day from `first` days ago to 3 days ahead. */
  const expectSameTotals = async (first: number) => {
    const { knex } = spec.db;
    for (let back = first; back >= -3; back -= 1)
      expect(await totalOn(knex, ago(back)), `day ${ago(back)}`).toEqual(
        await searchedTotalOn(knex, ago(back)),
      );
    const growth = await totalSizeGrowth(knex, ago(0), 30);
    expect(growth.total_size_mb).toBe(
      Math.round(Number((await searchedTotalOn(knex, ago(0))).mb) * 1000) / 1000,
    );
  };

  it('equals the search of every partition on each day, live and rebuilt; a removed latest row falls back', async () => {
    const { knex } = spec.db;
    for (const table of partitionedTables)
      await ensurePartitions(knex, table, `${ago(200).slice(0, 7)}-01`, 8);
    const runner = spec.runner({ batchSize: 7 });
    const ev = capacityEvents(spec.store);
    const [daily, old, none, deleted, ahead, late, gap] = Array.from({ length: 7 }, () => randomUUID());
    await addInstances(knex, [daily!, old!, none!, deleted!, ahead!, late!, gap!], [deleted!]);
    const size = (n: number) => ({ app: 100 + n, logs: 10 + (n % 7) });
    // Daily for 70 days (three months at least), a gap on day 12.
    for (let back = 70; back >= 0; back -= 1)
      if (back !== 12) await ev.stats(daily!, ago(back), '03:00:00.000', size(back));
    for (const back of [150, 140]) await ev.stats(old!, ago(back), '03:00:00.000', size(back));
    for (const back of [40, 5, 0]) await ev.stats(deleted!, ago(back), '03:00:00.000', size(back));
    // A day after the figures' day (an instance in a time zone ahead), and a re-collection of it.
    for (const back of [9, 2, -1]) await ev.stats(ahead!, ago(back), '03:00:00.000', size(back));
    await ev.stats(ahead!, ago(-1), '05:00:00.000', size(77));
    // An event for an older day after a newer one: the kept day stays the newer.
    for (const back of [3, 20, 1, 25]) await ev.stats(late!, ago(back), '03:00:00.000', size(back));
    // Nothing in the 31 days before the day 30 days ago: the widest search answers.
    for (const back of [100, 1]) await ev.stats(gap!, ago(back), '03:00:00.000', size(back));
    await spec.catchUp(runner);

    const kept = await knex(latestSizeTable)
      .orderBy('instance_id')
      .select('instance_id', knex.raw('collected_date::text AS collected_date'));
    const { rows: latest } = await knex.raw<{ rows: unknown[] }>(
      `SELECT instance_id, max(collected_date)::text AS collected_date FROM instance_size_stats
       GROUP BY instance_id ORDER BY instance_id`,
    );
    expect(kept).toEqual(latest);
    expect(kept).toHaveLength(6);
    expect(kept.find((r: { instance_id: string }) => r.instance_id === late)).toEqual({
      instance_id: late,
      collected_date: ago(1),
    });
    await expectSameTotals(160);
    await spec.expectRebuildMatchesLive();

    // Rows removed without the projection (a month partition dropped): the kept days are later than
    // the rows left, and the searches answer.
    await knex('instance_size_stats')
      .where({ instance_id: daily, collected_date: ago(0) })
      .delete();
    await knex('instance_size_stats').where({ instance_id: old }).delete();
    await expectSameTotals(45);
  });

  it('reads each instance with stats by its keys, not every partition for every instance', async () => {
    const { knex } = spec.db;
    // 600 instances without stats, 5 with 60 days of them (and those of the first test, when it ran).
    const withStats = Array.from({ length: 5 }, () => randomUUID());
    await addInstances(knex, [...withStats, ...Array.from({ length: 600 }, () => randomUUID())]);
    const ev = capacityEvents(spec.store);
    for (let back = 60; back >= 0; back -= 1)
      for (const id of withStats) await ev.stats(id, ago(back), '03:00:00.000', { app: back });
    await spec.catchUp(spec.runner());
    await knex.raw('ANALYZE instances, instance_latest_sizes, instance_size_stats');
    const statements: { sql: string; bindings: readonly unknown[] }[] = [];
    const onQuery = (q: { sql: string; bindings?: unknown[] }) =>
      statements.push({ sql: q.sql, bindings: q.bindings ?? [] });
    knex.on('query', onQuery);
    try {
      await totalSizeGrowth(knex, ago(0), 30);
    } finally {
      knex.removeListener('query', onQuery);
    }
    expect(statements).toHaveLength(2);
    for (const s of statements) {
      const { rows } = await spec.db.pool.query<{
        'QUERY PLAN': [{ Plan: { 'Shared Hit Blocks': number; 'Shared Read Blocks': number } }];
      }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${s.sql}`, [...s.bindings]);
      const plan = rows[0]!['QUERY PLAN'][0].Plan;
      // The search probed every partition's primary key for each instance (9,807 blocks, the first
      // figure, on the code before); through the kept days 40 and 102 (the second needs the near search).
      expect(plan['Shared Hit Blocks'] + plan['Shared Read Blocks']).toBeLessThan(500);
    }
  });
});
