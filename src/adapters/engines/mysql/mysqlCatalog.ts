// Databases and sizes from SHOW DATABASES, information_schema.TABLES and the InnoDB tablespaces. The
// first two silently show only what the collector holds privileges on, so the collector's own global
// privileges are checked and a PERMISSION_DENIED ItemError says when the list may be incomplete. The scope
// and the names are read by the caller (the adapter reads each once per collection) and passed in.
import type {
  Collected,
  DatabaseInfo,
  DatabaseSize,
  ItemError,
  TableSize,
} from '../../../domain/engines/model.js';
import { databasePatternMatches, parseGrants } from '../../../domain/engines/mysql/grants.js';
import {
  mb,
  mysqlDatabaseSizes,
  tableFigure,
  tableFiles,
  type MysqlTablespaceRow,
} from '../../../domain/engines/mysql/sizes.js';
import type { ServerInfo } from './mysqlAccounts.js';
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

/**
 * The InnoDB tablespaces (MariaDB and MySQL 5.7: INNODB_SYS_TABLESPACES; MySQL 8: INNODB_TABLESPACES),
 * or null with an ItemError when they cannot be read: both views need PROCESS.
 */
async function tablespaces(
  session: MysqlSession,
  server: ServerInfo,
  errors: ItemError[],
): Promise<MysqlTablespaceRow[] | null> {
  const view = !server.mariadb && server.major >= 8 ? 'INNODB_TABLESPACES' : 'INNODB_SYS_TABLESPACES';
  try {
    const rows = await session.query(
      `SELECT NAME AS name, FILE_SIZE AS file_size, ALLOCATED_SIZE AS allocated
         FROM information_schema.${view} WHERE NAME LIKE '%/%'`,
    );
    // ALLOCATED_SIZE is what the file takes on disk (less than FILE_SIZE when sparse); 0 where unknown.
    return rows.map((r) => ({ name: text(r.name), bytes: num(r.allocated) || num(r.file_size) }));
  } catch (err) {
    const e = itemErrorOf(`information_schema.${view}`, err, session.secrets);
    errors.push({
      ...e,
      message:
        e.code === 'PERMISSION_DENIED'
          ? `${e.message}: without PROCESS, InnoDB sizes come from information_schema.TABLES, whose ` +
            'statistics lag behind the data until ANALYZE TABLE'
          : `${e.message}: sizes come from information_schema.TABLES`,
    });
    return null;
  }
}

/**
 * The user databases' sizes; `names` (from SHOW DATABASES) gives a database without tables its 0. Each
 * InnoDB table with its own tablespace counts its file, any other table its TABLES statistics.
 */
export async function databaseSizes(
  session: MysqlSession,
  scope: CollectorScope,
  names: readonly string[],
  server: ServerInfo,
): Promise<Collected<DatabaseSize>> {
  const rows = await session.query(
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, ENGINE AS engine,
            DATA_LENGTH AS data_bytes, INDEX_LENGTH AS index_bytes
       FROM information_schema.TABLES WHERE ${USER_SCHEMAS} AND TABLE_TYPE <> 'VIEW'`,
    [...SYSTEM_SCHEMAS],
  );
  const errors = [...scopeErrors(scope, 'sizes')];
  const files = await tablespaces(session, server, errors);
  const tables = rows.map((r) => ({
    db: text(r.db),
    name: text(r.name),
    engine: r.engine === null || r.engine === undefined ? null : text(r.engine),
    dataBytes: num(r.data_bytes),
    indexBytes: num(r.index_bytes),
  }));
  const items = mysqlDatabaseSizes({
    names: names.filter((n) => !isSystemSchema(n)),
    tables,
    tablespaces: files,
  }).filter((d) => !isSystemSchema(d.databaseName));
  return { items, errors };
}

export async function tableSizes(
  session: MysqlSession,
  scope: CollectorScope,
  database: string,
  server: ServerInfo,
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
    `SELECT TABLE_NAME AS name, ENGINE AS engine, DATA_LENGTH AS data_bytes, INDEX_LENGTH AS index_bytes,
            TABLE_ROWS AS row_count
       FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = ? AND TABLE_TYPE <> 'VIEW'
      ORDER BY TABLE_NAME`,
    [database],
  );
  const errors =
    scope.seesAllTables || scope.databasePatterns.some((p) => databasePatternMatches(p, database))
      ? [...scope.errors]
      : scopeErrors(scope, 'sizes');
  const files = tableFiles(await tablespaces(session, server, errors));
  return {
    items: rows.map((r) => {
      const f = tableFigure(
        {
          db: database,
          name: text(r.name),
          engine: r.engine === null || r.engine === undefined ? null : text(r.engine),
          dataBytes: num(r.data_bytes),
          indexBytes: num(r.index_bytes),
        },
        files,
      );
      // A table in its own file: the file's size, data and indexes together (as databaseSizes counts it).
      const fromFile = f.fileBytes !== null;
      return {
        schemaName: database,
        tableName: text(r.name),
        sizeMb: mb((f.fileBytes ?? 0) + f.dataBytes + f.indexBytes),
        dataSizeMb: fromFile ? mb(f.fileBytes!) : r.data_bytes === null ? null : mb(f.dataBytes),
        indexSizeMb: fromFile || r.index_bytes === null ? null : mb(f.indexBytes),
        rowCount: r.row_count === null || r.row_count === undefined ? null : Number(r.row_count),
      };
    }),
    errors,
  };
}
