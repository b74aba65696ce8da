import { describe, expect, it } from 'vitest';
import { bytesToMb } from './catalogRows.js';
import { mapTableSegments, mapTablespaceSizes, mapTablespaces } from './sizes.js';

// Recorded from an Oracle 19c PDB.
const tablespaces = [
  { TABLESPACE_NAME: 'SYSTEM', CONTENTS: 'PERMANENT', STATUS: 'ONLINE' },
  { TABLESPACE_NAME: 'SYSAUX', CONTENTS: 'PERMANENT', STATUS: 'ONLINE' },
  { TABLESPACE_NAME: 'UNDOTBS1', CONTENTS: 'UNDO', STATUS: 'ONLINE' },
  { TABLESPACE_NAME: 'TEMP', CONTENTS: 'TEMPORARY', STATUS: 'ONLINE' },
  { TABLESPACE_NAME: 'USERS', CONTENTS: 'PERMANENT', STATUS: 'ONLINE' },
  { TABLESPACE_NAME: 'APP_DATA', CONTENTS: 'PERMANENT', STATUS: 'READ ONLY' },
];
const allocated = [
  { TABLESPACE_NAME: 'SYSTEM', BYTES: 943718400 }, // 900 MB
  { TABLESPACE_NAME: 'SYSAUX', BYTES: 629145600 }, // 600 MB
  { TABLESPACE_NAME: 'UNDOTBS1', BYTES: 104857600 },
  { TABLESPACE_NAME: 'USERS', BYTES: 5242880 },
  { TABLESPACE_NAME: 'APP_DATA', BYTES: 10737418240 }, // 10 GB, full: no free extent
];
const free = [
  { TABLESPACE_NAME: 'SYSTEM', BYTES: 7340032 },
  { TABLESPACE_NAME: 'SYSAUX', BYTES: 36700160 },
  { TABLESPACE_NAME: 'UNDOTBS1', BYTES: 90177536 },
  { TABLESPACE_NAME: 'USERS', BYTES: 4194304 },
];

describe('Oracle tablespaces and sizes', () => {
  it('converts bytes to MB with 3 decimals', () => {
    expect(bytesToMb(1048576)).toBe(1);
    expect(bytesToMb(1000)).toBe(0.001);
    expect(bytesToMb(8192)).toBe(0.008);
    expect(bytesToMb(null)).toBe(0);
  });

  it('lists tablespaces; SYSTEM, SYSAUX, UNDO and TEMPORARY are system', () => {
    expect(mapTablespaces(tablespaces)).toEqual([
      { name: 'APP_DATA', isSystem: false },
      { name: 'SYSAUX', isSystem: true },
      { name: 'SYSTEM', isSystem: true },
      { name: 'TEMP', isSystem: true },
      { name: 'UNDOTBS1', isSystem: true },
      { name: 'USERS', isSystem: false },
    ]);
  });

  it('size = allocated, data = allocated - free, no log', () => {
    expect(mapTablespaceSizes(allocated, free)).toEqual([
      { databaseName: 'APP_DATA', sizeMb: 10240, dataSizeMb: 10240, logSizeMb: null },
      { databaseName: 'SYSAUX', sizeMb: 600, dataSizeMb: 565, logSizeMb: null },
      { databaseName: 'SYSTEM', sizeMb: 900, dataSizeMb: 893, logSizeMb: null },
      { databaseName: 'UNDOTBS1', sizeMb: 100, dataSizeMb: 14, logSizeMb: null },
      { databaseName: 'USERS', sizeMb: 5, dataSizeMb: 1, logSizeMb: null },
    ]);
  });

  it('without dba_free_space the used size is unknown, not 0', () => {
    const [first] = mapTablespaceSizes(allocated, null);
    expect(first).toEqual({ databaseName: 'APP_DATA', sizeMb: 10240, dataSizeMb: null, logSizeMb: null });
  });

  it('table size = table segments + index segments; rows from statistics', () => {
    expect(
      mapTableSegments([
        {
          OWNER: 'APP_OWNER',
          TABLE_NAME: 'ORDERS',
          DATA_BYTES: 209715200,
          INDEX_BYTES: 52428800,
          NUM_ROWS: 1250000,
        },
        { OWNER: 'APP_OWNER', TABLE_NAME: 'AUDIT_LOG', DATA_BYTES: 65536, INDEX_BYTES: null, NUM_ROWS: null },
      ]),
    ).toEqual([
      {
        schemaName: 'APP_OWNER',
        tableName: 'AUDIT_LOG',
        sizeMb: 0.063,
        dataSizeMb: 0.063,
        indexSizeMb: 0,
        rowCount: null,
      },
      {
        schemaName: 'APP_OWNER',
        tableName: 'ORDERS',
        sizeMb: 250,
        dataSizeMb: 200,
        indexSizeMb: 50,
        rowCount: 1250000,
      },
    ]);
  });
});
