// Databases and sizes from SHOW DATABASES and information_schema.TABLES. Both silently show only
// what the collector holds privileges on, so the collector's own global privileges are checked and a
// PERMISSION_DENIED ItemError says when the list may be incomplete. The scope and the names are read
// by the caller (the adapter reads each once per collection) and passed in.
import type {
  Collected,
  DatabaseInfo,
  DatabaseSize,
  ItemError,
  TableSize,
} from '../../../domain/engines/model.js';
import { databasePatternMatches, parseGrants } from '../../../domain/engines/mysql/grants.js';
import { itemErrorOf } from './mysqlErrors.js';
import { cellText as text, type MysqlSession } from './mysqlSession.js';

export const SYSTEM_SCHEMAS: ReadonlySet<string> = new Set([
  'information_schema',
  'mysql',
  'performance_schema',
  'sys',
]);

export const isSystemSchema = (name: string): boolean => SYSTEM_SCHEMAS.has(name.toLowerCase());

/**
 * Sizes leave the system schemas out in the SQL: summing information_schema.TABLES over every schema
 * (sys is a hundred views, each opened to be listed) cost MariaDB 10.11 some 30 ms of CPU per call, over
 * the user schemas about 1 ms (docs/engines.md); MariaDB tests the schema name before opening a table.
 */
const USER_SCHEMAS = `TABLE_SCHEMA NOT IN (${[...SYSTEM_SCHEMAS].map(() => '?').join(', ')})`;

/** Global privileges that make every table visible in information_schema.TABLES. */
const TABLE_VISIBILITY = new Set([
  'ALL PRIVILEGES',
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'CREATE',
  'DROP',
  'REFERENCES',
  'INDEX',
  'ALTER',
  'CREATE VIEW',
  'SHOW VIEW',
  'TRIGGER',
  'DELETE HISTORY',
]);

export interface CollectorScope {
  account: string | null;
  seesAllDatabases: boolean;
  seesAllTables: boolean;
  /** Database patterns on which the collector holds a database-level privilege. */
  databasePatterns: string[];
  errors: ItemError[];
}

const MIB = 1024 * 1024;
export const mb = (bytes: number): number => Math.round((bytes / MIB) * 1000) / 1000;
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** What the collector itself may see, from its own SHOW GRANTS. */
export async function collectorScope(session: MysqlSession): Promise<CollectorScope> {
  try {
    const [cu] = await session.query('SELECT CURRENT_USER() AS cu');
    const lines = await session.queryArrays('SHOW GRANTS');
    const grants = parseGrants(lines.map((r) => text(r[0])));
    const global = new Set(grants.global.privileges);
    return {
      account: cu ? text(cu.cu) : null,
      seesAllDatabases: global.has('ALL PRIVILEGES') || global.has('SHOW DATABASES'),
      seesAllTables: [...global].some((p) => TABLE_VISIBILITY.has(p)),
      databasePatterns: Object.entries(grants.databases)
        .filter(([, g]) => g.privileges.some((p) => TABLE_VISIBILITY.has(p)))
        .map(([pattern]) => pattern),
      errors: [],
    };
  } catch (err) {
    const e = itemErrorOf('collector grants', err, session.secrets);
    return {
      account: null,
      seesAllDatabases: false,
      seesAllTables: false,
      databasePatterns: [],
      errors: [e],
    };
  }
}

function scopeErrors(scope: CollectorScope, what: 'databases' | 'sizes'): ItemError[] {
  const who = scope.account ?? 'the collector';
  if (what === 'databases' && !scope.seesAllDatabases)
    return [
      ...scope.errors,
      {
        item: 'databases without a privilege of the collector',
        code: 'PERMISSION_DENIED',
        message: `${who} has no global SHOW DATABASES privilege: only databases it holds privileges on are listed`,
      },
    ];
  if (what === 'sizes' && !scope.seesAllTables)
    return [
      ...scope.errors,
      {
        item: 'tables without a privilege of the collector',
        code: 'PERMISSION_DENIED',
        message: `${who} has no global table privilege (e.g. SELECT ON *.*): sizes count only the tables it holds privileges on`,
      },
    ];
  return scope.errors;
}

/** SHOW DATABASES: every database, or (without the global privilege) those the collector holds one on. */
export async function databaseNames(session: MysqlSession): Promise<string[]> {
  const rows = await session.queryArrays('SHOW DATABASES');
  return rows.map((r) => text(r[0]));
}

export function listDatabases(names: readonly string[], scope: CollectorScope): Collected<DatabaseInfo> {
  return {
    items: [...names].sort().map((name) => ({ name, isSystem: isSystemSchema(name) })),
    errors: scopeErrors(scope, 'databases'),
  };
}

/** The user databases' sizes; `names` (from SHOW DATABASES) gives a database without tables its 0. */
export async function databaseSizes(
  session: MysqlSession,
  scope: CollectorScope,
  names: readonly string[],
): Promise<Collected<DatabaseSize>> {
  const rows = await session.query(
    `SELECT TABLE_SCHEMA AS db, SUM(DATA_LENGTH) AS data_bytes, SUM(INDEX_LENGTH) AS index_bytes
       FROM information_schema.TABLES WHERE ${USER_SCHEMAS} GROUP BY TABLE_SCHEMA`,
    [...SYSTEM_SCHEMAS],
  );
  const bytes = new Map(
    rows.map((r) => [text(r.db), { data: num(r.data_bytes), index: num(r.index_bytes) }]),
  );
  const all = [...new Set([...names, ...bytes.keys()])].filter((n) => !isSystemSchema(n)).sort();
  return {
    items: all.map((databaseName) => {
      const b = bytes.get(databaseName) ?? { data: 0, index: 0 };
      return { databaseName, sizeMb: mb(b.data + b.index), dataSizeMb: mb(b.data), logSizeMb: null };
    }),
    errors: scopeErrors(scope, 'sizes'),
  };
}

export async function tableSizes(
  session: MysqlSession,
  scope: CollectorScope,
  database: string,
): Promise<Collected<TableSize>> {
  const exists = await session.query(
    'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
    [database],
  );
  if (exists.length === 0) {
    const denied = !scope.seesAllDatabases;
    return {
      items: [],
      errors: [
        {
          item: `database ${database} tables`,
          code: denied ? 'PERMISSION_DENIED' : 'DATABASE_QUERY_ERROR',
          message: denied
            ? `database ${database} does not exist or ${scope.account ?? 'the collector'} holds no privilege on it`
            : `database ${database} does not exist`,
        },
      ],
    };
  }
  const rows = await session.query(
    `SELECT TABLE_NAME AS name, DATA_LENGTH AS data_bytes, INDEX_LENGTH AS index_bytes, TABLE_ROWS AS row_count
       FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = ? AND TABLE_TYPE <> 'VIEW'
      ORDER BY TABLE_NAME`,
    [database],
  );
  return {
    items: rows.map((r) => {
      const data = num(r.data_bytes);
      const index = num(r.index_bytes);
      return {
        schemaName: database,
        tableName: text(r.name),
        sizeMb: mb(data + index),
        dataSizeMb: r.data_bytes === null ? null : mb(data),
        indexSizeMb: r.index_bytes === null ? null : mb(index),
        rowCount: r.row_count === null || r.row_count === undefined ? null : Number(r.row_count),
      };
    }),
    errors:
      scope.seesAllTables || scope.databasePatterns.some((p) => databasePatternMatches(p, database))
        ? scope.errors
        : scopeErrors(scope, 'sizes'),
  };
}
