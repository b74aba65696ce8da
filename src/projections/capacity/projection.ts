// capacity: the database inventory of each instance (instance_databases, each database with the stable
// id of databaseId()), the daily size of each database and instance (database_size_stats,
// instance_size_stats: partitioned by month, with a DEFAULT partition, so any collected_date inserts),
// and the latest table-size snapshot of each database (database_table_size_stats). A re-collection on
// the same day replaces that day's figures: the instance total and exactly the databases it holds.
import { prepared } from '../../adapters/db/preparedStatements.js';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import { databaseId } from '../../domain/ids.js';
import type { Projection, ProjectionContext } from '../projection.js';
import { lastByKey, selectWhereIn, writeRows } from '../rows.js';
import { keepLatestSizes, latestSizeTable } from './latestSizes.js';

interface InventoryData {
  instanceId: string;
  collectedDate: string;
  databases: string[];
  vanished: string[];
}

interface StatsData {
  instanceId: string;
  collectedDate: string;
  collectedAt: string;
  databases: { databaseName: string; sizeMb: number; dataSizeMb: number | null; logSizeMb: number | null }[];
  totalSizeMb: number;
  databaseCount: number;
}

interface TableSizesData {
  instanceId: string;
  databaseName: string;
  collectedAt: string;
  tables: {
    schemaName: string;
    tableName: string;
    sizeMb: number;
    dataSizeMb: number | null;
    indexSizeMb: number | null;
    rowCount: number | null;
  }[];
}

interface DatabaseRow {
  id: string;
  instance_id: string;
  database_name: string;
  is_active: boolean;
  first_seen_date: string;
  last_seen_date: string;
  deleted_at: string | null;
}
const databaseColumns = [
  'id',
  'instance_id',
  'database_name',
  'is_active',
  'first_seen_date',
  'last_seen_date',
  'deleted_at',
];
// Dates and times read back as text, so that writing a loaded row back changes none of them.
const databaseTimes = new Set(['first_seen_date', 'last_seen_date', 'deleted_at']);

/**
 * The database inventories of a batch, folded in log order over the rows of the instances they name:
 * a listed database is (again) active and seen that day, first seen on the day its row is made; a
 * vanished one that is active becomes inactive at the event's time. Each changed row is written once
 * (the first-seen date and the id of a row already there are left as they are).
 */
async function applyInventories({ trx, table }: ProjectionContext, events: readonly RecordedEvent[]) {
  if (events.length === 0) return;
  const t = table('instance_databases');
  const key = (instanceId: string, name: string) => JSON.stringify([instanceId, name]);
  const instanceIds = [...new Set(events.map((e) => (e.data as InventoryData).instanceId))];
  const rows = new Map<string, DatabaseRow>();
  for (const row of await selectWhereIn<DatabaseRow>(
    trx,
    t,
    'instance_id',
    instanceIds,
    databaseColumns,
    databaseTimes,
  ))
    rows.set(key(row.instance_id, row.database_name), row);
  const changed = new Set<DatabaseRow>();
  for (const e of events) {
    const d = e.data as InventoryData;
    const listed = new Set(d.databases);
    for (const name of listed) {
      const k = key(d.instanceId, name);
      const row = rows.get(k) ?? {
        id: databaseId(d.instanceId, name),
        instance_id: d.instanceId,
        database_name: name,
        is_active: true,
        first_seen_date: d.collectedDate,
        last_seen_date: d.collectedDate,
        deleted_at: null,
      };
      Object.assign(row, { is_active: true, last_seen_date: d.collectedDate, deleted_at: null });
      rows.set(k, row);
      changed.add(row);
    }
    for (const name of new Set(d.vanished)) {
      const row = rows.get(key(d.instanceId, name));
      if (listed.has(name) || !row?.is_active) continue;
      Object.assign(row, { is_active: false, deleted_at: e.metadata.occurredAt });
      changed.add(row);
    }
  }
  await writeRows(trx, t, [...changed], {
    conflict: ['instance_id', 'database_name'],
    merge: ['is_active', 'last_seen_date', 'deleted_at'],
  });
}

/**
 * The StatsSaved of a batch. Each replaces its (instance, day) completely (the day's database rows become
 * exactly its rows, the instance row its total), so only the last of a batch per (instance, day) is
 * written: the day's other rows go in one statement, the rows are upserted in one.
 */
async function applyStats({ trx, table }: ProjectionContext, events: readonly StatsData[]): Promise<void> {
  const last = lastByKey(events, (d) => `${d.instanceId}/${d.collectedDate}`);
  if (last.length === 0) return;
  const stats = table('database_size_stats');
  await trx
    .raw(
      `DELETE FROM ?? s USING jsonb_to_recordset(?::jsonb) AS k(instance_id uuid, collected_date date, names jsonb)
     WHERE s.instance_id = k.instance_id AND s.collected_date = k.collected_date
       AND NOT jsonb_exists(k.names, s.database_name)`,
      [
        stats,
        JSON.stringify(
          last.map((d) => ({
            instance_id: d.instanceId,
            collected_date: d.collectedDate,
            names: d.databases.map((db) => db.databaseName),
          })),
        ),
      ],
    )
    .options(prepared);
  await writeRows(
    trx,
    stats,
    last.flatMap((d) =>
      lastByKey(d.databases, (db) => db.databaseName).map((db) => ({
        instance_id: d.instanceId,
        database_name: db.databaseName,
        size_mb: db.sizeMb,
        data_size_mb: db.dataSizeMb,
        log_size_mb: db.logSizeMb,
        collected_date: d.collectedDate,
        collected_at: d.collectedAt,
      })),
    ),
    { conflict: ['instance_id', 'database_name', 'collected_date'] },
  );
  await writeRows(
    trx,
    table('instance_size_stats'),
    last.map((d) => ({
      instance_id: d.instanceId,
      total_size_mb: d.totalSizeMb,
      database_count: d.databaseCount,
      collected_date: d.collectedDate,
      collected_at: d.collectedAt,
    })),
    { conflict: ['instance_id', 'collected_date'] },
  );
}

/** The TableSizesSaved of a batch: each replaces its database's snapshot, so the last per database wins. */
async function applyTableSizes({ trx, table }: ProjectionContext, events: readonly TableSizesData[]) {
  const last = lastByKey(events, (d) => JSON.stringify([d.instanceId, d.databaseName]));
  if (last.length === 0) return;
  const t = table('database_table_size_stats');
  await trx
    .raw(
      `DELETE FROM ?? s USING jsonb_to_recordset(?::jsonb) AS k(instance_id uuid, database_name text)
     WHERE s.instance_id = k.instance_id AND s.database_name = k.database_name`,
      [t, JSON.stringify(last.map((d) => ({ instance_id: d.instanceId, database_name: d.databaseName })))],
    )
    .options(prepared);
  await writeRows(
    trx,
    t,
    last.flatMap((d) =>
      lastByKey(d.tables, (r) => JSON.stringify([r.schemaName, r.tableName])).map((r) => ({
        instance_id: d.instanceId,
        database_name: d.databaseName,
        schema_name: r.schemaName,
        table_name: r.tableName,
        size_mb: r.sizeMb,
        data_size_mb: r.dataSizeMb,
        index_size_mb: r.indexSizeMb,
        // Row counts may be estimates (PostgreSQL reltuples is a float).
        row_count: r.rowCount === null ? null : Math.round(r.rowCount),
        collected_at: d.collectedAt,
      })),
    ),
  );
}

export const capacityProjection: Projection = {
  name: 'capacity',
  tables: [
    'instance_databases',
    'database_size_stats',
    'instance_size_stats',
    'database_table_size_stats',
    latestSizeTable,
  ],
  eventTypes: ['DatabaseInventorySynced', 'StatsSaved', 'TableSizesSaved'],
  // The three kinds write disjoint tables, so each kind may be applied apart, in log order within it.
  apply: async (ctx, events) => {
    await applyInventories(
      ctx,
      events.filter((e) => e.type === 'DatabaseInventorySynced'),
    );
    const stats = events.filter((e) => e.type === 'StatsSaved').map((e) => e.data as StatsData);
    await applyStats(ctx, stats);
    // The latest day per instance for the dashboard's total (latestSizes.ts).
    await keepLatestSizes(ctx, stats);
    await applyTableSizes(
      ctx,
      events.filter((e) => e.type === 'TableSizesSaved').map((e) => e.data as TableSizesData),
    );
  },
};
