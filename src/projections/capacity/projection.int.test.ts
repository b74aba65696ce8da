import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EventStore } from '../../adapters/eventStore/port.js';
import { capacityStream } from '../../domain/capacity/events.js';
import { databaseId } from '../../domain/ids.js';
import { testMetadata } from '../../../test/support/eventFactory.js';
import { capacityProjection } from './projection.js';
import { projectionSpec } from '../../../test/support/projectionSpec.js';
import { databaseSizes, databaseTableSizes, latestTableSizes, listDatabaseLedgers } from './queries.js';

const actor = { kind: 'scheduler' as const, id: 'scheduler' };

function capacityEvents(store: EventStore) {
  const append = (instanceId: string, at: string, type: string, data: unknown) =>
    store.append(
      capacityStream(instanceId),
      [
        {
          eventId: randomUUID(),
          type,
          schemaVersion: 1,
          data,
          metadata: testMetadata({ actor, occurredAt: at, instanceId }),
        },
      ],
      { expectedRevision: 'any' },
    );
  return {
    inventory: (
      instanceId: string,
      date: string,
      databases: string[],
      changes: { added?: string[]; vanished?: string[] } = {},
    ) =>
      append(instanceId, `${date}T02:00:00.000Z`, 'DatabaseInventorySynced', {
        instanceId,
        sessionId: randomUUID(),
        collectedDate: date,
        databases,
        added: changes.added ?? [],
        vanished: changes.vanished ?? [],
      }),
    stats: (instanceId: string, date: string, time: string, sizes: Record<string, number>) => {
      const databases = Object.entries(sizes).map(([databaseName, sizeMb]) => ({
        databaseName,
        sizeMb,
        dataSizeMb: sizeMb * 0.75,
        logSizeMb: null,
      }));
      return append(instanceId, `${date}T${time}Z`, 'StatsSaved', {
        instanceId,
        sessionId: randomUUID(),
        collectedDate: date,
        collectedAt: `${date}T${time}Z`,
        databases,
        totalSizeMb: databases.reduce((sum, d) => sum + d.sizeMb, 0),
        databaseCount: databases.length,
      });
    },
    tableSizes: (
      instanceId: string,
      databaseName: string,
      at: string,
      tables: [schema: string, table: string, sizeMb: number, rowCount: number | null][],
    ) =>
      append(instanceId, at, 'TableSizesSaved', {
        instanceId,
        databaseName,
        collectedAt: at,
        tables: tables.map(([schemaName, tableName, sizeMb, rowCount]) => ({
          schemaName,
          tableName,
          sizeMb,
          dataSizeMb: sizeMb / 2,
          indexSizeMb: sizeMb / 4,
          rowCount,
        })),
      }),
  };
}

describe('capacity projection', () => {
  const spec = projectionSpec(capacityProjection);

  it('projects inventories, daily stats and table sizes, in any month; equals a rebuild', async () => {
    const runner = spec.runner({ batchSize: 2 });
    const ev = capacityEvents(spec.store);
    const i1 = randomUUID();
    const i2 = randomUUID();
    // The migration created partitions for the current UTC month and the next 3; 2031-01 has none.
    const month = new Date().toISOString().slice(0, 7);
    const dayA = `${month}-01`;
    const dayB = `${month}-02`;
    const far = '2031-01-15';

    // Day A: i1 has app, shop and legacy; collected twice that day (the second replaces the first).
    await ev.inventory(i1, dayA, ['app', 'shop', 'legacy'], { added: ['app', 'shop', 'legacy'] });
    await ev.stats(i1, dayA, '02:00:05.000', { app: 100, shop: 50, legacy: 10 });
    await spec.catchUp(runner);
    await ev.stats(i1, dayA, '14:30:00.000', { app: 110.5, shop: 55, legacy: 10 });
    await ev.inventory(i2, dayA, ['main'], { added: ['main'] });
    await ev.stats(i2, dayA, '03:00:00.000', { main: 42 });
    // Day B: legacy is gone, reports is new.
    await ev.inventory(i1, dayB, ['app', 'shop', 'reports'], { added: ['reports'], vanished: ['legacy'] });
    await ev.stats(i1, dayB, '02:00:05.000', { app: 120, shop: 60, reports: 5 });
    // A month without a partition: the default partition takes it.
    await ev.inventory(i1, far, ['app', 'shop', 'reports']);
    await ev.stats(i1, far, '02:00:05.000', { app: 200, shop: 70, reports: 6 });
    // Table sizes: app's snapshot is replaced; shop's and i2's stay.
    await ev.tableSizes(i1, 'app', `${dayA}T03:00:00.000Z`, [
      ['public', 'orders', 60, 1000],
      ['public', 'users', 30, 200],
      ['audit', 'log', 20, 5000],
    ]);
    await ev.tableSizes(i1, 'shop', `${dayA}T03:00:00.000Z`, [['public', 'items', 40, 70]]);
    await ev.tableSizes(i2, 'main', `${dayA}T04:00:00.000Z`, [['dbo', 'facts', 41, null]]);
    await ev.tableSizes(i1, 'app', `${far}T03:00:00.000Z`, [
      ['public', 'orders', 150, 1234.4],
      ['public', 'invoices', 45, 10],
    ]);
    await spec.catchUp(runner);

    // Inventory.
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

    // Daily stats: the re-collection replaced day A's figures instead of adding rows.
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
    expect(await databaseSizes(spec.db.knex, { instanceId: i2 }, { page: 1, limit: 10 })).toMatchObject({
      total: 1,
      items: [{ database_name: 'main', size_mb: 42, data_size_mb: 31.5 }],
    });

    // Table sizes: app's snapshot is the last one only.
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

    // By database id: each id is its own database's (never another instance's of the same name).
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
