// Oracle "databases" are tablespaces: allocated bytes from dba_data_files, used = allocated - free
// (dba_free_space); Oracle has no per-tablespace log. Table sizes are segments: the table's and its indexes'.
import type { DatabaseInfo, DatabaseSize, TableSize } from '../model.js';
import {
  bytesToMb,
  type TableSegmentRow,
  type TablespaceBytesRow,
  type TablespaceRow,
} from './catalogRows.js';

/** SYSTEM, SYSAUX and every UNDO or TEMPORARY tablespace belong to the database itself. */
export function isSystemTablespace(row: TablespaceRow): boolean {
  return row.TABLESPACE_NAME === 'SYSTEM' || row.TABLESPACE_NAME === 'SYSAUX' || row.CONTENTS !== 'PERMANENT';
}

export function mapTablespaces(rows: readonly TablespaceRow[]): DatabaseInfo[] {
  return rows
    .map((r) => ({ name: r.TABLESPACE_NAME, isSystem: isSystemTablespace(r) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * sizeMb = allocated; dataSizeMb = allocated - free, or null when dba_free_space could not be read
 * (`free` null). A tablespace with no free extent at all is full: used = allocated.
 */
export function mapTablespaceSizes(
  allocated: readonly TablespaceBytesRow[],
  free: readonly TablespaceBytesRow[] | null,
): DatabaseSize[] {
  const freeBytes = new Map((free ?? []).map((r) => [r.TABLESPACE_NAME, r.BYTES]));
  return allocated
    .map((r) => ({
      databaseName: r.TABLESPACE_NAME,
      sizeMb: bytesToMb(r.BYTES),
      dataSizeMb: free === null ? null : bytesToMb(r.BYTES - (freeBytes.get(r.TABLESPACE_NAME) ?? 0)),
      logSizeMb: null,
    }))
    .sort((a, b) => a.databaseName.localeCompare(b.databaseName));
}

export function mapTableSegments(rows: readonly TableSegmentRow[]): TableSize[] {
  return rows
    .map((r) => {
      const index = r.INDEX_BYTES ?? 0;
      return {
        schemaName: r.OWNER,
        tableName: r.TABLE_NAME,
        sizeMb: bytesToMb(r.DATA_BYTES + index),
        dataSizeMb: bytesToMb(r.DATA_BYTES),
        indexSizeMb: bytesToMb(index),
        rowCount: r.NUM_ROWS,
      };
    })
    .sort((a, b) => a.schemaName.localeCompare(b.schemaName) || a.tableName.localeCompare(b.tableName));
}
