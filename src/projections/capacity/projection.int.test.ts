// The capacity tables the scenario of test/support/capacityScenario.ts leaves (which partition a row
// sits in, the instance totals), and a same-day re-collection; the queries' answers are in
// queries.int.test.ts.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { capacityEvents } from '../../../test/support/capacityEvents.js';
import { capacityScenario } from '../../../test/support/capacityScenario.js';
import { projectionSpec } from '../../../test/support/projectionSpec.js';
import { capacityProjection } from './projection.js';

describe('capacity projection', () => {
  const spec = projectionSpec(capacityProjection);

  it('projects inventories, daily stats and table sizes, in any month; equals a rebuild', async () => {
    const scenario = capacityScenario(spec);
    await scenario.run();
    const { i1 } = scenario.instances;
    const { dayA, dayB, far } = scenario.days;
    const { month } = scenario;

    const instanceRows = await spec.db
      .knex('instance_size_stats')
      .where({ instance_id: i1 })
      .orderBy('collected_date')
      .select(
        spec.db.knex.raw('collected_date::text AS collected_date'),
        'total_size_mb',
        'database_count',
        spec.db.knex.raw('tableoid::regclass::text AS partition'),
      );
    expect(instanceRows).toEqual([
      {
        collected_date: dayA,
        total_size_mb: '175.500',
        database_count: 3,
        partition: `instance_size_stats_${month.replace('-', '_')}`,
      },
      {
        collected_date: dayB,
        total_size_mb: '185.000',
        database_count: 3,
        partition: `instance_size_stats_${month.replace('-', '_')}`,
      },
      {
        collected_date: far,
        total_size_mb: '276.000',
        database_count: 3,
        partition: 'instance_size_stats_default',
      },
    ]);
    const farRows = await spec.db
      .knex('database_size_stats')
      .where({ collected_date: far })
      .select(spec.db.knex.raw('tableoid::regclass::text AS partition'));
    expect(farRows).toEqual(Array.from({ length: 3 }, () => ({ partition: 'database_size_stats_default' })));
    await spec.expectRebuildMatchesLive();
    // The rebuild kept the partitions: a far-month row still sits in the default partition.
    const [{ partition }] = (await spec.db
      .knex('database_size_stats')
      .where({ collected_date: far })
      .limit(1)
      .select(spec.db.knex.raw('tableoid::regclass::text AS partition'))) as [{ partition: string }];
    expect(partition).toBe('database_size_stats_default');
  });

  it('a same-day re-collection replaces the day: a database gone from it loses its row; live == rebuild', async () => {
    const runner = spec.runner();
    const ev = capacityEvents(spec.store);
    const instance = randomUUID();
    const month = new Date().toISOString().slice(0, 7);
    const [dayA, dayB] = [`${month}-03`, `${month}-04`];
    const day = async (date: string) => {
      const rows = await spec.db
        .knex('database_size_stats')
        .where({ instance_id: instance, collected_date: date })
        .orderBy('database_name')
        .select('database_name', 'size_mb');
      const [total] = await spec.db
        .knex('instance_size_stats')
        .where({ instance_id: instance, collected_date: date })
        .select('total_size_mb', 'database_count');
      return { rows: rows.map((r) => [r.database_name, Number(r.size_mb)]), total };
    };
    const sum = (rows: (string | number)[][]) => rows.reduce((s, r) => s + Number(r[1]), 0).toFixed(3);

    // Day A: the second collection, projected in a later batch, no longer has crm (dropped meanwhile).
    await ev.stats(instance, dayA, '02:00:00.000', { app: 0.109, crm: 0.016, shop: 0.016 });
    await spec.catchUp(runner);
    await ev.stats(instance, dayA, '09:00:00.000', { app: 0.109, shop: 0.016 });
    // Day B: both collections in the same batch; the second lost shop and gained reports.
    await ev.stats(instance, dayB, '02:00:00.000', { app: 1, shop: 2 });
    await ev.stats(instance, dayB, '09:00:00.000', { app: 1.5, reports: 3 });
    await spec.catchUp(runner);

    const a = await day(dayA);
    expect(a.rows).toEqual([
      ['app', 0.109],
      ['shop', 0.016],
    ]);
    expect(a.total).toEqual({ total_size_mb: '0.125', database_count: 2 });
    expect(sum(a.rows)).toBe(a.total.total_size_mb);
    const b = await day(dayB);
    expect(b.rows).toEqual([
      ['app', 1.5],
      ['reports', 3],
    ]);
    expect(b.total).toEqual({ total_size_mb: '4.500', database_count: 2 });
    expect(sum(b.rows)).toBe(b.total.total_size_mb);

    await spec.expectRebuildMatchesLive();
    expect(await day(dayA)).toEqual(a);
  });
});
