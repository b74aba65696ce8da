// capacity: the database inventory of each instance (instance_databases, each database with the stable
// id of databaseId()), the daily size of each database and instance (database_size_stats,
// instance_size_stats: partitioned by month, with a DEFAULT partition, so any collected_date inserts),
// and the latest table-size snapshot of each database (database_table_size_stats). A re-collection on
// the same day replaces that day's figures: the instance total and exactly the databases it holds.
import type { RecordedEvent } from '../../domain/events/envelope.js';
import { databaseId } from '../../domain/ids.js';
import { eachEvent, type Projection } from '../projection.js';
import { insertRows, lastByKey, upsertRows } from '../rows.js';

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

export const capacityProjection: Projection = {
  name: 'capacity',
  tables: ['instance_databases', 'database_size_stats', 'instance_size_stats', 'database_table_size_stats'],
  eventTypes: ['DatabaseInventorySynced', 'StatsSaved', 'TableSizesSaved'],
  apply: eachEvent(async ({ trx, table }, e: RecordedEvent) => {
    switch (e.type) {
      case 'DatabaseInventorySynced': {
        const d = e.data as InventoryData;
        const t = table('instance_databases');
        const present = [...new Set(d.databases)];
        // first_seen_date is written on insert only; a reappearing database is active again.
        await upsertRows(
          trx,
          t,
          present.map((name) => ({
            id: databaseId(d.instanceId, name),
            instance_id: d.instanceId,
            database_name: name,
            is_active: true,
            first_seen_date: d.collectedDate,
            last_seen_date: d.collectedDate,
            deleted_at: null,
          })),
          ['instance_id', 'database_name'],
          ['is_active', 'last_seen_date', 'deleted_at'],
        );
        const listed = new Set(present);
        const vanished = [...new Set(d.vanished)].filter((name) => !listed.has(name));
        if (vanished.length > 0) {
          await trx(t)
            .where({ instance_id: d.instanceId, is_active: true })
            .whereIn('database_name', vanished)
            .update({ is_active: false, deleted_at: e.metadata.occurredAt });
        }
        return;
      }
      case 'StatsSaved': {
        const d = e.data as StatsData;
        const stats = table('database_size_stats');
        // The event holds every database of one collection: the day's rows of the instance become
        // exactly its rows (a database gone since an earlier collection that day loses its row), so the
        // database rows always add up to the instance total. One statement, one bound array.
        await trx(stats)
          .where({ instance_id: d.instanceId, collected_date: d.collectedDate })
          .whereRaw('database_name NOT IN (SELECT jsonb_array_elements_text(?::jsonb))', [
            JSON.stringify(d.databases.map((db) => db.databaseName)),
          ])
          .delete();
        await upsertRows(
          trx,
          stats,
          lastByKey(d.databases, (db) => db.databaseName).map((db) => ({
            instance_id: d.instanceId,
            database_name: db.databaseName,
            size_mb: db.sizeMb,
            data_size_mb: db.dataSizeMb,
            log_size_mb: db.logSizeMb,
            collected_date: d.collectedDate,
            collected_at: d.collectedAt,
          })),
          ['instance_id', 'database_name', 'collected_date'],
        );
        await upsertRows(
          trx,
          table('instance_size_stats'),
          [
            {
              instance_id: d.instanceId,
              total_size_mb: d.totalSizeMb,
              database_count: d.databaseCount,
              collected_date: d.collectedDate,
              collected_at: d.collectedAt,
            },
          ],
          ['instance_id', 'collected_date'],
        );
        return;
      }
      case 'TableSizesSaved': {
        const d = e.data as TableSizesData;
        const t = table('database_table_size_stats');
        await trx(t).where({ instance_id: d.instanceId, database_name: d.databaseName }).delete();
        await insertRows(
          trx,
          t,
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
        );
        return;
      }
    }
  }),
};
