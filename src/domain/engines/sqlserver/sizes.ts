// SQL Server databases and sizes: sys.databases, sys.master_files (8 KB pages), dm_db_partition_stats.
import type { Collected, DatabaseInfo, DatabaseSize, ItemError, TableSize } from '../model.js';
import {
  pagesToMb,
  toNumber,
  type DatabaseRow,
  type MasterFileRow,
  type TableSizeRow,
} from './catalogRows.js';

/** master, tempdb, model, msdb. */
export function isSystemDatabase(row: Pick<DatabaseRow, 'database_id'>): boolean {
  return row.database_id <= 4;
}

export function mapDatabases(rows: readonly DatabaseRow[]): DatabaseInfo[] {
  return rows
    .map((r) => ({ name: r.name, isSystem: isSystemDatabase(r) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Online user databases whose principals and permissions are read; a database the collector may not
 * enter (HAS_DBACCESS = 0) is an error for that database, not a reason to stop.
 */
export function readableUserDatabases(rows: readonly DatabaseRow[]): {
  names: string[];
  errors: ItemError[];
} {
  const names: string[] = [];
  const errors: ItemError[] = [];
  for (const row of rows) {
    if (isSystemDatabase(row) || row.state_desc !== 'ONLINE') continue;
    if (row.has_dbaccess === 1) names.push(row.name);
    else
      errors.push({
        item: `database ${row.name} permissions`,
        code: 'PERMISSION_DENIED',
        message: `the collector cannot access database ${row.name} (HAS_DBACCESS = 0)`,
      });
  }
  return { names: names.sort((a, b) => a.localeCompare(b)), errors };
}

/**
 * data = ROWS files (type 0), log = LOG files (type 1), size = both. sys.master_files shows a database's
 * files only to a collector with VIEW ANY DEFINITION (or CREATE / ALTER ANY DATABASE): a database with no
 * visible file is reported, not given a size of 0.
 */
export function mapDatabaseSizes(
  databases: readonly DatabaseRow[],
  files: readonly MasterFileRow[],
): Collected<DatabaseSize> {
  const pages = new Map<number, { data: number; log: number; files: number }>();
  for (const file of files) {
    const sum = pages.get(file.database_id) ?? { data: 0, log: 0, files: 0 };
    sum.files += 1;
    if (file.type === 0) sum.data += toNumber(file.size);
    else if (file.type === 1) sum.log += toNumber(file.size);
    pages.set(file.database_id, sum);
  }
  const items: DatabaseSize[] = [];
  const errors: ItemError[] = [];
  for (const db of [...databases].sort((a, b) => a.name.localeCompare(b.name))) {
    const sum = pages.get(db.database_id);
    if (!sum) {
      errors.push({
        item: `database ${db.name} size`,
        code: 'PERMISSION_DENIED',
        message: `sys.master_files shows no file of database ${db.name}: the collector needs VIEW ANY DEFINITION`,
      });
      continue;
    }
    const dataSizeMb = pagesToMb(sum.data);
    const logSizeMb = pagesToMb(sum.log);
    items.push({ databaseName: db.name, sizeMb: pagesToMb(sum.data + sum.log), dataSizeMb, logSizeMb });
  }
  return { items, errors };
}

/** used pages = data + indexes; data = heap / clustered index pages (in-row, LOB, overflow). */
export function mapTableSizes(rows: readonly TableSizeRow[]): TableSize[] {
  return rows
    .map((r) => {
      const used = toNumber(r.used_pages);
      const data = Math.min(toNumber(r.data_pages), used);
      return {
        schemaName: r.schema_name,
        tableName: r.table_name,
        sizeMb: pagesToMb(used),
        dataSizeMb: pagesToMb(data),
        indexSizeMb: pagesToMb(used - data),
        rowCount: r.row_count === null ? null : toNumber(r.row_count),
      };
    })
    .sort((a, b) => a.schemaName.localeCompare(b.schemaName) || a.tableName.localeCompare(b.tableName));
}
