import { describe, expect, it } from 'vitest';
import { pagesToMb, type DatabaseRow, type MasterFileRow, type TableSizeRow } from './catalogRows.js';
import { mapDatabaseSizes, mapDatabases, mapTableSizes, readableUserDatabases } from './sizes.js';

// Recorded from a SQL Server 2022 instance (names changed).
const databases: DatabaseRow[] = [
  { name: 'master', database_id: 1, state_desc: 'ONLINE', has_dbaccess: 1 },
  { name: 'tempdb', database_id: 2, state_desc: 'ONLINE', has_dbaccess: 1 },
  { name: 'model', database_id: 3, state_desc: 'ONLINE', has_dbaccess: 1 },
  { name: 'msdb', database_id: 4, state_desc: 'ONLINE', has_dbaccess: 1 },
  { name: 'appdb', database_id: 5, state_desc: 'ONLINE', has_dbaccess: 1 },
  { name: 'hrdb', database_id: 6, state_desc: 'ONLINE', has_dbaccess: 0 },
  { name: 'archive', database_id: 7, state_desc: 'OFFLINE', has_dbaccess: null },
];

const files: MasterFileRow[] = [
  { database_id: 1, type: 0, size: 512 },
  { database_id: 1, type: 1, size: 256 },
  { database_id: 2, type: 0, size: 1024 },
  { database_id: 2, type: 0, size: 1024 },
  { database_id: 2, type: 1, size: 1024 },
  { database_id: 3, type: 0, size: 1024 },
  { database_id: 3, type: 1, size: 1024 },
  { database_id: 4, type: 0, size: 2560 },
  { database_id: 4, type: 1, size: 96 },
  { database_id: 5, type: 0, size: 131072 }, // 1 GiB
  { database_id: 5, type: 0, size: '65536' }, // a second data file, as text
  { database_id: 5, type: 1, size: 12800 }, // 100 MiB
  { database_id: 5, type: 2, size: 9999 }, // FILESTREAM: neither data nor log
  { database_id: 7, type: 0, size: 1000 },
  { database_id: 7, type: 1, size: 1 },
];

describe('SQL Server databases and sizes', () => {
  it('converts 8 KB pages to MB with 3 decimals', () => {
    expect(pagesToMb(128)).toBe(1);
    expect(pagesToMb('131072')).toBe(1024);
    expect(pagesToMb(1)).toBe(0.008);
    expect(pagesToMb(1000)).toBe(7.813);
    expect(pagesToMb(null)).toBe(0);
  });

  it('flags database_id <= 4 as system', () => {
    const listed = mapDatabases(databases);
    expect(listed.map((d) => d.name)).toEqual([
      'appdb',
      'archive',
      'hrdb',
      'master',
      'model',
      'msdb',
      'tempdb',
    ]);
    expect(listed.filter((d) => d.isSystem).map((d) => d.name)).toEqual([
      'master',
      'model',
      'msdb',
      'tempdb',
    ]);
  });

  it('reads permissions in online user databases and reports those it may not enter', () => {
    expect(readableUserDatabases(databases)).toEqual({
      names: ['appdb'],
      errors: [
        {
          item: 'database hrdb permissions',
          code: 'PERMISSION_DENIED',
          message: 'the collector cannot access database hrdb (HAS_DBACCESS = 0)',
        },
      ],
    });
  });

  it('sums data (ROWS) and log files per database', () => {
    const { items } = mapDatabaseSizes(databases, files);
    const byName = Object.fromEntries(items.map((s) => [s.databaseName, s]));
    expect(byName.appdb).toEqual({ databaseName: 'appdb', sizeMb: 1636, dataSizeMb: 1536, logSizeMb: 100 });
    expect(byName.master).toEqual({ databaseName: 'master', sizeMb: 6, dataSizeMb: 4, logSizeMb: 2 });
    expect(byName.tempdb).toEqual({ databaseName: 'tempdb', sizeMb: 24, dataSizeMb: 16, logSizeMb: 8 });
    expect(byName.msdb).toEqual({ databaseName: 'msdb', sizeMb: 20.75, dataSizeMb: 20, logSizeMb: 0.75 });
    expect(byName.archive).toEqual({
      databaseName: 'archive',
      sizeMb: 7.82,
      dataSizeMb: 7.813,
      logSizeMb: 0.008,
    });
  });

  it('reports a database whose files the collector cannot see instead of sizing it 0', () => {
    const { items, errors } = mapDatabaseSizes(databases, files);
    expect(items.map((s) => s.databaseName)).not.toContain('hrdb');
    expect(errors).toEqual([
      {
        item: 'database hrdb size',
        code: 'PERMISSION_DENIED',
        message: 'sys.master_files shows no file of database hrdb: the collector needs VIEW ANY DEFINITION',
      },
    ]);
  });

  it('maps table sizes: used pages = data + indexes, rows from the heap or clustered index', () => {
    const rows: TableSizeRow[] = [
      {
        schema_name: 'sales',
        table_name: 'orders',
        used_pages: '25600',
        data_pages: '19200',
        row_count: '1250000',
      },
      { schema_name: 'dbo', table_name: 'audit_heap', used_pages: 128, data_pages: 128, row_count: 4000 },
      { schema_name: 'dbo', table_name: 'empty', used_pages: 0, data_pages: 0, row_count: null },
    ];
    expect(mapTableSizes(rows)).toEqual([
      {
        schemaName: 'dbo',
        tableName: 'audit_heap',
        sizeMb: 1,
        dataSizeMb: 1,
        indexSizeMb: 0,
        rowCount: 4000,
      },
      { schemaName: 'dbo', tableName: 'empty', sizeMb: 0, dataSizeMb: 0, indexSizeMb: 0, rowCount: null },
      {
        schemaName: 'sales',
        tableName: 'orders',
        sizeMb: 200,
        dataSizeMb: 150,
        indexSizeMb: 50,
        rowCount: 1250000,
      },
    ]);
  });
});
