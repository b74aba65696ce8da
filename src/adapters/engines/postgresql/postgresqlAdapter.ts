// EngineAdapter for PostgreSQL: one small pg.Pool on the configured database (default 'postgres'),
// a short-lived pg.Client per other database for table sizes. Every connection carries the connect
// timeout, a server-side statement_timeout and a client-side query_timeout a little longer (so the
// server's 57014 normally wins and the connection stays usable).
import pg from 'pg';
import type {
  Collected,
  DatabaseInfo,
  DatabaseSize,
  ItemError,
  PermissionsCollected,
  TableSize,
} from '../../../domain/engines/model.js';
import {
  accountInfo,
  postgresPermissions,
  type PgDatabaseAclRow,
  type PgRoleRow,
} from '../../../domain/engines/postgresql/facts.js';
import type { PgMembershipRow } from '../../../domain/engines/postgresql/memberships.js';
import {
  DEFAULT_ENGINE_OPTIONS,
  EngineError,
  type ConnectionParams,
  type ConnectionTest,
  type EngineAdapter,
  type EngineOptions,
} from '../port.js';
import { askAgain, toEngineError, toItemError } from './errors.js';
import {
  databaseAclSql,
  databaseSizeSql,
  databaseSizesSql,
  databasesSql,
  membershipsSql15,
  membershipsSql16,
  rolesSql,
  tableSizesSql,
  type TableRow,
  versionSql,
} from './queries.js';

export const APPLICATION_NAME = 'whalefall-collector';
/** Databases created by initdb that are not templates. */
const SYSTEM_DATABASES = new Set(['postgres']);
/** The client-side timeout is a backstop for a server that stops answering. */
const CLIENT_TIMEOUT_MARGIN_MS = 2_000;

const toMb = (bytes: number): number => Math.round((bytes / 1_048_576) * 1000) / 1000;

export function createPostgresqlAdapter(
  params: ConnectionParams,
  options: EngineOptions = {},
): EngineAdapter {
  const { connectTimeoutMs, queryTimeoutMs, poolSize } = { ...DEFAULT_ENGINE_OPTIONS, ...options };
  const secret = params.password;
  const where = `PostgreSQL ${params.host}:${params.port}`;
  const clientConfig = (database: string): pg.ClientConfig => ({
    host: params.host,
    port: params.port,
    user: params.username,
    password: params.password,
    database,
    application_name: APPLICATION_NAME,
    connectionTimeoutMillis: connectTimeoutMs,
    statement_timeout: queryTimeoutMs,
    query_timeout: queryTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
  });
  const pool = new pg.Pool({
    ...clientConfig(params.databaseName ?? 'postgres'),
    max: poolSize,
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
  });
  // An idle connection closed by the server (restart, pg_terminate_backend) is dropped from the pool;
  // without a listener its 'error' would crash the process. The next query opens a new one.
  pool.on('error', () => undefined);

  let closed = false;
  let version: Promise<{ version: string; num: number }> | undefined;

  const assertOpen = () => {
    if (closed) throw new EngineError('DATABASE_CONNECTION_ERROR', `${where}: the adapter is closed`);
  };

  /** Rows, or the pg/Node error as thrown (for callers that look at the SQLSTATE). */
  async function raw<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    assertOpen();
    return (await pool.query<R>(text, values)).rows;
  }

  async function query<R extends pg.QueryResultRow>(
    context: string,
    text: string,
    values: unknown[] = [],
  ): Promise<R[]> {
    try {
      return await raw<R>(text, values);
    } catch (err) {
      throw toEngineError(err, `${where} ${context}`, secret);
    }
  }

  function serverInfo(): Promise<{ version: string; num: number }> {
    version ??= query<{ version: string; num: number }>('version', versionSql).then(
      ([row]) => row ?? { version: 'unknown', num: 0 },
      (err: unknown) => {
        version = undefined;
        throw err;
      },
    );
    return version;
  }

  /**
   * Catalogs in one round trip (a simple query of several statements: no parameters), or undefined when
   * one failed: the first error aborts the rest, so the caller asks them one by one to tell which.
   */
  async function together(texts: readonly string[]): Promise<pg.QueryResultRow[][] | undefined> {
    assertOpen();
    try {
      const results = (await pool.query(texts.join(';\n'))) as unknown as pg.QueryResult<pg.QueryResultRow>[];
      return results.length === texts.length ? results.map((r) => r.rows) : undefined;
    } catch (err) {
      if (!askAgain(err, secret)) throw toEngineError(err, where, secret);
      return undefined;
    }
  }

  let kept: Promise<PgRoleRow[]> | undefined;
  /** The roles, read once per adapter with the version (the inventory and the permissions of a sync). */
  function roles(): Promise<PgRoleRow[]> {
    kept ??= (async () => {
      const rows = version ? undefined : await together([versionSql, rolesSql]);
      if (!rows) return query<PgRoleRow>('pg_roles', rolesSql);
      const [v] = rows[0] as { version: string; num: number }[];
      version = Promise.resolve(v ?? { version: 'unknown', num: 0 });
      return rows[1] as PgRoleRow[];
    })().catch((err: unknown) => {
      kept = undefined;
      throw err;
    });
    return kept;
  }

  /** A catalog that may be unreadable (hardened servers revoke SELECT from PUBLIC): an ItemError, not a failure. */
  async function optional<R extends pg.QueryResultRow>(
    item: string,
    text: string,
    errors: ItemError[],
  ): Promise<R[]> {
    try {
      return await query<R>(item, text);
    } catch (err) {
      errors.push(toItemError(err, item, secret));
      return [];
    }
  }

  return {
    dbType: 'postgresql',

    async testConnection(): Promise<ConnectionTest> {
      const started = performance.now();
      version = undefined;
      const { version: v } = await serverInfo();
      return { version: v, latencyMs: Math.round(performance.now() - started) };
    },

    async serverVersion() {
      return (await serverInfo()).version;
    },

    async listDatabases(): Promise<Collected<DatabaseInfo>> {
      const rows = await query<{ datname: string }>('pg_database', databasesSql);
      return {
        items: rows.map((r) => ({ name: r.datname, isSystem: SYSTEM_DATABASES.has(r.datname) })),
        errors: [],
      };
    },

    async databaseSizes(): Promise<Collected<DatabaseSize>> {
      const databases = await query<{ datname: string }>('pg_database', databasesSql);
      const result: Collected<DatabaseSize> = { items: [], errors: [] };
      // Every size in one round trip; one denied (no CONNECT) or dropped meanwhile fails it: then one by one.
      const all = await raw<{ datname: string; bytes: string | null }>(databaseSizesSql, [
        databases.map((d) => d.datname),
      ]).catch((err: unknown) => {
        if (!askAgain(err, secret)) throw toEngineError(err, `${where} database sizes`, secret);
        return undefined;
      });
      if (all) {
        for (const { datname, bytes } of all) {
          if (bytes == null) continue;
          const sizeMb = toMb(Number(bytes));
          result.items.push({ databaseName: datname, sizeMb, dataSizeMb: sizeMb, logSizeMb: null });
        }
        return result;
      }
      for (const { datname } of databases) {
        const item = `database ${datname} size`;
        try {
          const [row] = await raw<{ bytes: string | null }>(databaseSizeSql, [datname]);
          if (row?.bytes == null) continue; // dropped since it was listed
          const sizeMb = toMb(Number(row.bytes));
          result.items.push({ databaseName: datname, sizeMb, dataSizeMb: sizeMb, logSizeMb: null });
        } catch (err) {
          // 3D000: dropped between the listing and the size; not a connection problem here.
          if ((err as { code?: string }).code === '3D000') continue;
          result.errors.push(toItemError(err, item, secret));
        }
      }
      return result;
    },

    async tableSizes(database: string): Promise<Collected<TableSize>> {
      assertOpen();
      const item = `database ${database} tables`;
      const client = new pg.Client(clientConfig(database));
      client.on('error', () => undefined); // reported through connect()/query() below
      try {
        try {
          await client.connect();
        } catch (err) {
          // No CONNECT privilege on that database (42501 at login): an ItemError; any other
          // failure to connect (refused, timeout, wrong password, no such database) fails the call.
          const error = toEngineError(err, `${where} ${item}`, secret);
          if (error.code !== 'PERMISSION_DENIED') throw error;
          return { items: [], errors: [{ item, code: error.code, message: error.message }] };
        }
        let rows: TableRow[];
        try {
          rows = (await client.query<TableRow>(tableSizesSql)).rows;
        } catch (err) {
          return { items: [], errors: [toItemError(err, item, secret)] };
        }
        const items = rows
          .filter((r) => r.total !== null) // dropped while we read
          .map((r) => ({
            schemaName: r.schema,
            tableName: r.name,
            sizeMb: toMb(Number(r.total)),
            dataSizeMb: r.data === null ? null : toMb(Number(r.data)),
            indexSizeMb: r.indexes === null ? null : toMb(Number(r.indexes)),
            rowCount: r.reltuples < 0 ? null : Math.round(r.reltuples),
          }));
        return { items, errors: [] };
      } finally {
        await client.end().catch(() => undefined);
      }
    },

    async listAccounts() {
      const now = new Date();
      return { items: (await roles()).map((r) => accountInfo(r, now)), errors: [] };
    },

    async permissionSnapshot(): Promise<PermissionsCollected> {
      const roleRows = await roles(); // first: the version comes with it
      const info = await serverInfo();
      const collectedAt = new Date();
      const errors: ItemError[] = [];
      const membershipsSql = info.num >= 160000 ? membershipsSql16 : membershipsSql15;
      // One round trip; a catalog denied (hardened servers) makes it fail: then one by one, as ItemErrors.
      const all = await together([membershipsSql, databasesSql, databaseAclSql]);
      const memberships =
        (all?.[0] as PgMembershipRow[] | undefined) ??
        (await optional<PgMembershipRow>('pg_auth_members', membershipsSql, errors));
      const databases =
        (all?.[1] as { datname: string }[] | undefined) ??
        (await optional<{ datname: string }>('pg_database', databasesSql, errors));
      const listed = !errors.some((e) => e.item === 'pg_database');
      const databaseAcl =
        (all?.[2] as PgDatabaseAclRow[] | undefined) ??
        (await optional<PgDatabaseAclRow>('database privileges', databaseAclSql, errors));
      const items = roleRows.map((role) =>
        postgresPermissions({
          role,
          memberships,
          databases: databases.map((d) => d.datname),
          databaseAcl,
          serverVersion: info.version,
          collectedAt,
          errors,
        }),
      );
      // The databases the per-database privileges cover: one dropped since is not a revoke on every role.
      return { items, errors, ...(listed && { databases: databases.map((d) => d.datname) }) };
    },

    async close() {
      if (closed) return;
      closed = true;
      kept = undefined;
      await pool.end();
    },
  };
}
