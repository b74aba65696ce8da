// The capacity queries over the tables test/support/capacityScenario.ts leaves: the database ledgers,
// the daily sizes, the latest table sizes, a database's tables by its id.
import { beforeAll, describe, expect, it } from 'vitest';
import { capacityScenario } from '../../../test/support/capacityScenario.js';
import { projectionSpec } from '../../../test/support/projectionSpec.js';
import { databaseId } from '../../domain/ids.js';
import { capacityProjection } from './projection.js';
import { databaseSizes, databaseTableSizes, latestTableSizes, listDatabaseLedgers } from './queries.js';

describe('capacity queries', () => {
  const spec = projectionSpec(capacityProjection);
  const scenario = capacityScenario(spec);
  beforeAll(() => scenario.run());
  const { i1, i2 } = scenario.instances;
  const { dayA, dayB, far } = scenario.days;

  it('listDatabaseLedgers: the inventory, active or vanished, searched, paged', async () => {
    const ledgers = await listDatabaseLedgers(spec.db.knex, { instanceId: i1 }, { page: 1, limit: 10 });
    expect(ledgers.total).toBe(4);
    expect(ledgers.items).toEqual([
      {
        id: databaseId(i1, 'app'),
        instance_id: i1,
        instance_name: null, // no InstanceRegistered in this log
        database_name: 'app',
        is_active: true,
        first_seen_date: dayA,
        last_seen_date: far,
        deleted_at: null,
        latest_size: {
          size_mb: 200,
          data_size_mb: 150,
          log_size_mb: null,
          collected_date: far,
          collected_at: `${far}T02:00:05.000Z`,
        },
      },
      expect.objectContaining({
        database_name: 'legacy',
        is_active: false,
        first_seen_date: dayA,
        last_seen_date: dayA,
        deleted_at: `${dayB}T02:00:00.000Z`,
        latest_size: expect.objectContaining({ size_mb: 10, collected_date: dayA }),
      }),
      expect.objectContaining({
        database_name: 'reports',
        is_active: true,
        first_seen_date: dayB,
        last_seen_date: far,
        latest_size: expect.objectContaining({ size_mb: 6 }),
      }),
      expect.objectContaining({ database_name: 'shop', is_active: true }),
    ]);
    const active = await listDatabaseLedgers(
      spec.db.knex,
      { instanceId: i1, active: true },
      { page: 1, limit: 10 },
    );
    expect(active.items.map((i) => i.database_name)).toEqual(['app', 'reports', 'shop']);
    const vanished = await listDatabaseLedgers(spec.db.knex, { active: false }, { page: 1, limit: 10 });
    expect(vanished.items.map((i) => i.database_name)).toEqual(['legacy']);
    const searched = await listDatabaseLedgers(spec.db.knex, { search: 'AI' }, { page: 1, limit: 10 });
    expect(searched.items.map((i) => [i.instance_id, i.database_name])).toEqual([[i2, 'main']]);
    const page2 = await listDatabaseLedgers(spec.db.knex, { instanceId: i1 }, { page: 2, limit: 3 });
    expect(page2).toMatchObject({ total: 4, items: [{ database_name: 'shop' }] });
  });

  it("databaseSizes: the re-collection replaced day A's figures instead of adding rows", async () => {
    const app = await databaseSizes(
      spec.db.knex,
      { instanceId: i1, databaseName: 'app' },
      { page: 1, limit: 10 },
    );
    expect(app.items.map((i) => [i.collected_date, i.size_mb, i.collected_at])).toEqual([
      [far, 200, `${far}T02:00:05.000Z`],
      [dayB, 120, `${dayB}T02:00:05.000Z`],
      [dayA, 110.5, `${dayA}T14:30:00.000Z`],
    ]);
    const dayAOnly = await databaseSizes(
      spec.db.knex,
      { instanceId: i1, from: dayA, to: dayA },
      { page: 1, limit: 10 },
    );
    expect(dayAOnly.items.map((i) => [i.database_name, i.size_mb])).toEqual([
      ['app', 110.5],
      ['legacy', 10],
      ['shop', 55],
    ]);
    const all = await databaseSizes(spec.db.knex, { instanceId: i1 }, { page: 1, limit: 4 });
    expect(all.total).toBe(9);
    expect(all.items.map((i) => [i.collected_date, i.database_name])).toEqual([
      [far, 'app'],
      [far, 'reports'],
      [far, 'shop'],
      [dayB, 'app'],
    ]);
    expect(await databaseSizes(spec.db.knex, { instanceId: i2 }, { page: 1, limit: 10 })).toMatchObject({
      total: 1,
      items: [{ database_name: 'main', size_mb: 42, data_size_mb: 31.5 }],
    });
  });

  it("latestTableSizes: app's snapshot is the last one only", async () => {
    expect(await latestTableSizes(spec.db.knex, i1, 'app')).toEqual([
      {
        schema_name: 'public',
        table_name: 'orders',
        size_mb: 150,
        data_size_mb: 75,
        index_size_mb: 37.5,
        row_count: 1234,
        collected_at: `${far}T03:00:00.000Z`,
      },
      expect.objectContaining({ schema_name: 'public', table_name: 'invoices', size_mb: 45, row_count: 10 }),
    ]);
    expect(await latestTableSizes(spec.db.knex, i1, 'shop')).toMatchObject([
      { table_name: 'items', size_mb: 40 },
    ]);
    expect(await latestTableSizes(spec.db.knex, i2, 'main')).toMatchObject([
      { table_name: 'facts', row_count: null },
    ]);
    expect(await latestTableSizes(spec.db.knex, i1, 'legacy')).toEqual([]);
  });

  it("databaseTableSizes: each id is its own database's (never another instance's of the same name)", async () => {
    const ledgers = await listDatabaseLedgers(spec.db.knex, { instanceId: i1 }, { page: 1, limit: 10 });
    expect(ledgers.items.map((i) => i.id)).toEqual(
      ['app', 'legacy', 'reports', 'shop'].map((name) => databaseId(i1, name)),
    );
    expect(await databaseTableSizes(spec.db.knex, databaseId(i1, 'app'))).toEqual({
      database: {
        id: databaseId(i1, 'app'),
        instance_id: i1,
        instance_name: null, // no instances row: these events were never registered through the API
        database_name: 'app',
        is_active: true,
        collected_at: `${far}T03:00:00.000Z`,
      },
      tables: await latestTableSizes(spec.db.knex, i1, 'app'),
    });
    expect(await databaseTableSizes(spec.db.knex, databaseId(i2, 'main'))).toMatchObject({
      database: { instance_id: i2, database_name: 'main' },
      tables: [{ table_name: 'facts' }],
    });
    expect(await databaseTableSizes(spec.db.knex, databaseId(i1, 'legacy'))).toMatchObject({
      database: { database_name: 'legacy', is_active: false, collected_at: null },
      tables: [],
    });
    expect(await databaseTableSizes(spec.db.knex, databaseId(i2, 'app'))).toBeUndefined();
  });
});
