// The SQL Server engine adapter: catalog queries through a small tedious pool, interpreted by the pure
// mapping in src/domain/engines/sqlserver/. A catalog the collector may not read is an ItemError; only a
// lost connection, a failed version query, or logins it cannot all see fail a whole operation.
import type { ConnectionConfiguration } from 'tedious';
import { collectorRightsErrors, mapLogins } from '../../../domain/engines/sqlserver/accounts.js';
import type {
  CollectorRightsRow,
  DatabaseCatalog,
  DatabasePermissionRow,
  DatabaseRoleMemberRow,
  DatabaseRow,
  DatabaseUserRow,
  LoginRow,
  MasterFileRow,
  ServerPermissionRow,
  ServerRoleMemberRow,
  TableSizeRow,
} from '../../../domain/engines/sqlserver/catalogRows.js';
import { buildSqlserverPermissions } from '../../../domain/engines/sqlserver/permissions.js';
import {
  mapDatabaseSizes,
  mapDatabases,
  mapTableSizes,
  readableUserDatabases,
} from '../../../domain/engines/sqlserver/sizes.js';
import type { ItemError } from '../../../domain/engines/model.js';
import {
  DEFAULT_ENGINE_OPTIONS,
  EngineError,
  type ConnectionParams,
  type EngineAdapter,
  type EngineOptions,
} from '../port.js';
import { mapSqlserverError, toItemError } from './errors.js';
import * as q from './queries.js';
import { TediousPool, type SqlRunner } from './tediousPool.js';

export interface SqlserverTlsOptions {
  /** Default true (tedious' default too). */
  encrypt?: boolean;
  /**
   * Default true: fleet servers mostly present self-signed certificates and ConnectionParams carries
   * no CA. tedious itself defaults to false; pass false where certificates are verifiable.
   */
  trustServerCertificate?: boolean;
}

export interface SqlserverAdapterContext {
  /** Removed from every error message. */
  secrets: readonly string[];
  /** The clock for meta.collected_at. */
  now: () => Date;
}

export function createSqlserverAdapter(
  params: ConnectionParams,
  options: EngineOptions = {},
  tls: SqlserverTlsOptions = {},
): EngineAdapter {
  const opts = { ...DEFAULT_ENGINE_OPTIONS, ...options };
  const pool = new TediousPool(tediousConfig(params, opts, tls), {
    size: Math.max(1, opts.poolSize),
    connectTimeoutMs: opts.connectTimeoutMs,
    queryTimeoutMs: opts.queryTimeoutMs,
    secrets: [params.password],
  });
  return sqlserverAdapterOn(pool, { secrets: [params.password], now: () => new Date() });
}

export function tediousConfig(
  params: ConnectionParams,
  opts: Required<EngineOptions>,
  tls: SqlserverTlsOptions = {},
): ConnectionConfiguration {
  return {
    server: params.host,
    authentication: { type: 'default', options: { userName: params.username, password: params.password } },
    options: {
      port: params.port,
      database: params.databaseName || undefined,
      encrypt: tls.encrypt ?? true,
      trustServerCertificate: tls.trustServerCertificate ?? true,
      connectTimeout: opts.connectTimeoutMs,
      requestTimeout: opts.queryTimeoutMs,
      appName: 'whalefall',
    },
  };
}

/** The adapter over any runner: the tedious pool in production, recorded rows in unit tests. */
export function sqlserverAdapterOn(runner: SqlRunner, ctx: SqlserverAdapterContext): EngineAdapter {
  const { secrets } = ctx;

  async function read<T>(
    errors: ItemError[],
    item: string,
    sql: string,
    params?: Record<string, string>,
  ): Promise<T[] | undefined> {
    try {
      return (await runner.query(sql, params)) as unknown as T[];
    } catch (err) {
      errors.push(toItemError(item, err, secrets));
      return undefined;
    }
  }

  const readIn = <T>(errors: ItemError[], item: string, database: string, sql: string) =>
    read<T>(errors, item, q.inDatabase(database), { stmt: sql });

  async function serverVersion(): Promise<string> {
    try {
      const [row] = await runner.query(q.VERSION);
      return firstLine(row?.version);
    } catch (err) {
      throw mapSqlserverError(err, 'query', secrets);
    }
  }

  /** Logins with what decides their lock state and capabilities; shared by accounts and permissions. */
  async function readServerCatalog(errors: ItemError[]) {
    const rights = await read<CollectorRightsRow>(errors, 'collector rights', q.COLLECTOR_RIGHTS);
    const logins = await read<LoginRow>(errors, 'sys.server_principals', q.LOGINS);
    const roleMembers = await read<ServerRoleMemberRow>(
      errors,
      'sys.server_role_members',
      q.SERVER_ROLE_MEMBERS,
    );
    const permissions = await read<ServerPermissionRow>(
      errors,
      'sys.server_permissions',
      q.SERVER_PERMISSIONS,
    );
    errors.push(...collectorRightsErrors(rights?.[0]));
    return { logins, roleMembers: roleMembers ?? [], permissions: permissions ?? [] };
  }

  /** One database's principals; undefined (with one ItemError) when any of them cannot be read. */
  async function readDatabaseCatalog(
    database: string,
    errors: ItemError[],
  ): Promise<DatabaseCatalog | undefined> {
    const item = `database ${database} permissions`;
    const users = await readIn<DatabaseUserRow>(errors, item, database, q.DATABASE_USERS);
    if (!users) return undefined;
    const roleMembers = await readIn<DatabaseRoleMemberRow>(errors, item, database, q.DATABASE_ROLE_MEMBERS);
    if (!roleMembers) return undefined;
    const permissions = await readIn<DatabasePermissionRow>(errors, item, database, q.DATABASE_PERMISSIONS);
    if (!permissions) return undefined;
    return { database, users, roleMembers, permissions };
  }

  return {
    dbType: 'sqlserver',

    async testConnection() {
      const started = performance.now();
      const version = await serverVersion();
      return { version, latencyMs: Math.round(performance.now() - started) };
    },

    serverVersion,

    async listDatabases() {
      const errors: ItemError[] = [];
      const rows = await read<DatabaseRow>(errors, 'sys.databases', q.DATABASES);
      return { items: mapDatabases(rows ?? []), errors };
    },

    async databaseSizes() {
      const errors: ItemError[] = [];
      const databases = await read<DatabaseRow>(errors, 'sys.databases', q.DATABASES);
      const files = databases && (await read<MasterFileRow>(errors, 'sys.master_files', q.MASTER_FILES));
      if (!databases || !files) return { items: [], errors };
      const sizes = mapDatabaseSizes(databases, files);
      return { items: sizes.items, errors: [...errors, ...sizes.errors] };
    },

    async tableSizes(database: string) {
      const errors: ItemError[] = [];
      const rows = await readIn<TableSizeRow>(
        errors,
        `database ${database} table sizes`,
        database,
        q.TABLE_SIZES,
      );
      return { items: mapTableSizes(rows ?? []), errors };
    },

    async listAccounts() {
      const errors: ItemError[] = [];
      const server = await readServerCatalog(errors);
      // Logins not all visible (no VIEW ANY DEFINITION, or sys.server_principals unreadable): an
      // inventory of what is visible would deactivate every other login, so there is none.
      const incomplete = errors.find((e) => e.item === 'sys.server_principals');
      if (incomplete)
        throw new EngineError(incomplete.code, `the logins cannot be listed: ${incomplete.message}`);
      const items = server.logins ? mapLogins(server.logins, server.roleMembers, server.permissions) : [];
      return { items, errors };
    },

    async permissionSnapshot() {
      const errors: ItemError[] = [];
      const collectedAt = ctx.now().toISOString();
      const [versionRow] = (await read<{ version: unknown }>(errors, 'server version', q.VERSION)) ?? [];
      const server = await readServerCatalog(errors);
      const databaseRows = await read<DatabaseRow>(errors, 'sys.databases', q.DATABASES);
      const readable = readableUserDatabases(databaseRows ?? []);
      errors.push(...readable.errors);
      const databases: DatabaseCatalog[] = [];
      for (const name of readable.names) {
        const catalog = await readDatabaseCatalog(name, errors);
        if (catalog) databases.push(catalog);
      }
      if (!server.logins) return { items: [], errors };
      const items = buildSqlserverPermissions({
        logins: server.logins,
        serverRoleMembers: server.roleMembers,
        serverPermissions: server.permissions,
        databases,
        errors,
        collectedAt,
        serverVersion: versionRow ? firstLine(versionRow.version) : null,
      });
      return { items, errors };
    },

    close: () => runner.close(),
  };
}

/** @@VERSION is several lines; the first names the product, release and build. */
function firstLine(value: unknown): string {
  return (typeof value === 'string' ? value : '').split('\n')[0]?.trim() ?? '';
}
