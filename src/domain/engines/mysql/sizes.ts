// MySQL/MariaDB database sizes from the InnoDB tablespace files where a table has its own (file-per-table),
// and from information_schema.TABLES for the rest. Pure.
//
// Why: InnoDB's DATA_LENGTH / INDEX_LENGTH come from persisted statistics that lag behind the data until
// ANALYZE TABLE (a database loaded with 31 MB read as 0.047 MB), while a file-per-table tablespace's
// ALLOCATED_SIZE is what the table holds on disk now. Tables without their own tablespace (in the system
// or a general tablespace, MyISAM, Aria…) can only be sized from TABLES. Each figure says which it used.
import type { DatabaseSize, SizeMethod } from '../model.js';

/** One base table of information_schema.TABLES. */
export interface MysqlTableRow {
  db: string;
  name: string;
  engine: string | null;
  dataBytes: number;
  indexBytes: number;
}

/** One file-per-table tablespace: NAME is `db/table` (partitions `db/table#P#p0`) in filename encoding. */
export interface MysqlTablespaceRow {
  name: string;
  bytes: number;
}

const MIB = 1024 * 1024;
/** Bytes to MB (MiB) with 3 decimals. */
export const mb = (bytes: number): number => Math.round((bytes / MIB) * 1000) / 1000;

/**
 * Code points the server writes as `@` and two characters from its own tables (letters of Latin-1
 * supplement to Hebrew, Latin extended additional and Greek extended, Roman numerals, circled letters,
 * fullwidth forms). Names with them are not matched to a file: those tables are sized from TABLES.
 */
const TABLED_RANGES: readonly [number, number][] = [
  [0x00c0, 0x05ff],
  [0x1e00, 0x1fff],
  [0x2160, 0x217f],
  [0x24b0, 0x24ef],
  [0xff20, 0xff5f],
];

/**
 * A database or table name as InnoDB names its file (the server's "filename" character set): letters,
 * digits and `_` as they are, any other character `@` and four hex digits (`-` is `@002d`). Null when
 * the name holds a character whose encoding needs the server's letter tables.
 */
export function filenameEncode(name: string): string | null {
  let out = '';
  for (const ch of name) {
    const cp = ch.codePointAt(0)!;
    if (/^[0-9A-Za-z_]$/.test(ch)) out += ch;
    else if (cp > 0xffff || TABLED_RANGES.some(([lo, hi]) => cp >= lo && cp <= hi)) return null;
    else out += `@${cp.toString(16).padStart(4, '0')}`;
  }
  return out;
}

/** A tablespace's bytes per table (`db/table`), its partitions summed. */
function bytesPerTable(tablespaces: readonly MysqlTablespaceRow[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const ts of tablespaces) {
    if (!ts.name.includes('/')) continue; // innodb_system, undo, temporary, general tablespaces
    // '#' is never part of an encoded name (it would be @0023): it starts a partition suffix.
    const table = ts.name.split('#')[0]!;
    out.set(table, (out.get(table) ?? 0) + ts.bytes);
  }
  return out;
}

/** How one table is sized: its own tablespace file (InnoDB, file-per-table), else its TABLES statistics. */
export interface TableFigure {
  fileBytes: number | null;
  dataBytes: number;
  indexBytes: number;
}

/** Tablespace bytes per table; null when the tablespaces could not be read. */
export type TableFiles = ReadonlyMap<string, number> | null;

export const tableFiles = (tablespaces: readonly MysqlTablespaceRow[] | null): TableFiles =>
  tablespaces && bytesPerTable(tablespaces);

export function tableFigure(t: MysqlTableRow, files: TableFiles): TableFigure {
  const db = filenameEncode(t.db);
  const table = filenameEncode(t.name);
  const fileBytes =
    files && db !== null && table !== null && t.engine?.toLowerCase() === 'innodb'
      ? files.get(`${db}/${table}`)
      : undefined;
  return fileBytes === undefined
    ? { fileBytes: null, dataBytes: t.dataBytes, indexBytes: t.indexBytes }
    : { fileBytes, dataBytes: 0, indexBytes: 0 };
}

/**
 * One size per database in `names` (and any database TABLES shows): tablespace bytes for InnoDB tables
 * that have their own file, DATA_LENGTH + INDEX_LENGTH for the others. `tablespaces` null: they could not
 * be read, every figure is from TABLES.
 */
export function mysqlDatabaseSizes(input: {
  names: readonly string[];
  tables: readonly MysqlTableRow[];
  tablespaces: readonly MysqlTablespaceRow[] | null;
}): DatabaseSize[] {
  const files = tableFiles(input.tablespaces);
  const sums = new Map<
    string,
    { file: number; data: number; index: number; fromFile: number; fromTables: number }
  >();
  const sumOf = (db: string) => {
    let s = sums.get(db);
    if (!s) sums.set(db, (s = { file: 0, data: 0, index: 0, fromFile: 0, fromTables: 0 }));
    return s;
  };
  for (const name of input.names) sumOf(name);
  for (const t of input.tables) {
    const s = sumOf(t.db);
    const f = tableFigure(t, files);
    if (f.fileBytes === null) s.fromTables += 1;
    else s.fromFile += 1;
    s.file += f.fileBytes ?? 0;
    s.data += f.dataBytes;
    s.index += f.indexBytes;
  }
  return [...sums]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([databaseName, s]) => {
      const method: SizeMethod =
        s.fromTables === 0 && files ? 'tablespace' : s.fromFile === 0 ? 'tables' : 'mixed';
      return {
        databaseName,
        sizeMb: mb(s.file + s.data + s.index),
        // A file holds data and indexes together: it counts as data, as PostgreSQL's and SQL Server's do.
        dataSizeMb: mb(s.file + s.data),
        logSizeMb: null,
        sizeMethod: method,
      };
    });
}
