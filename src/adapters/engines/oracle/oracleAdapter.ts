// The Oracle engine adapter (node-oracledb Thin mode: no Oracle client). Catalog queries on the DBA_
// views, interpreted by the pure mapping in src/domain/engines/oracle/. A collector without the DBA
// views (ORA-00942 / ORA-01031) falls back to ALL_ / USER_ views and reports what it could not read.
import type { ItemError } from '../../../domain/engines/model.js';
import { mapUsers } from '../../../domain/engines/oracle/accounts.js';
import type {
  RolePrivRow,
  SysPrivRow,
  TablespaceBytesRow,
  TablespaceRow,
  TableSegmentRow,
  TabPrivRow,
  TsQuotaRow,
  UserRow,
} from '../../../domain/engines/oracle/catalogRows.js';
import { buildOraclePermissions } from '../../../domain/engines/oracle/permissions.js';
import {
  mapTableSegments,
  mapTablespaceSizes,
  mapTablespaces,
} from '../../../domain/engines/oracle/sizes.js';
import {
  DEFAULT_ENGINE_OPTIONS,
  type ConnectionParams,
  type EngineAdapter,
  type EngineOptions,
} from '../port.js';
import { mapOracleError, oracleCodes, toItemError } from './errors.js';
import { loadOracleDriver, type OraclePoolAttributes } from './oracledbDriver.js';
import { OraclePoolRunner, type OracleRunner } from './oraclePoolRunner.js';
import * as q from './queries.js';

export interface OracleAdapterContext {
  /** Removed from every error message. */
  secrets: readonly string[];
  /** The clock for meta.collected_at. */
  now: () => Date;
}

export function createOracleAdapter(params: ConnectionParams, options: EngineOptions = {}): EngineAdapter {
  const opts = { ...DEFAULT_ENGINE_OPTIONS, ...options };
  const runner = new OraclePoolRunner(loadOracleDriver, poolAttributes(params, opts), {
    queryTimeoutMs: opts.queryTimeoutMs,
    secrets: [params.password],
  });
  return oracleAdapterOn(runner, { secrets: [params.password], now: () => new Date() });
}

/** Easy Connect host:port/service (IPv6 hosts in brackets); databaseName is the service name. */
export function easyConnectString(params: Pick<ConnectionParams, 'host' | 'port' | 'databaseName'>): string {
  const host = params.host.includes(':') ? `[${params.host}]` : params.host;
  return params.databaseName ? `${host}:${params.port}/${params.databaseName}` : `${host}:${params.port}`;
}

export function poolAttributes(
  params: ConnectionParams,
  opts: Required<EngineOptions>,
): OraclePoolAttributes {
  // node-oracledb takes connect timeouts in whole seconds.
  const connectSeconds = Math.max(1, Math.ceil(opts.connectTimeoutMs / 1000));
  return {
    user: params.username,
    password: params.password,
    connectString: easyConnectString(params),
    poolMin: 0,
    poolMax: Math.max(1, opts.poolSize),
    poolIncrement: 1,
    queueTimeout: opts.connectTimeoutMs + opts.queryTimeoutMs,
    connectTimeout: connectSeconds,
    transportConnectTimeout: connectSeconds,
    poolTimeout: 60,
    poolPingInterval: 60,
  };
}

interface Source {
  item: string;
  /** Tried in turn while the previous one fails with ORA-00904 (a column this version lacks). */
  variants: readonly string[];
}

/** The adapter over any runner: the node-oracledb pool in production, recorded rows in unit tests. */
export function oracleAdapterOn(runner: OracleRunner, ctx: OracleAdapterContext): EngineAdapter {
  const { secrets } = ctx;

  async function read<T>(
    errors: ItemError[],
    source: Source,
    binds?: Record<string, string>,
  ): Promise<T[] | undefined> {
    for (const [i, sql] of source.variants.entries()) {
      try {
        return (await runner.query(sql, binds)) as unknown as T[];
      } catch (err) {
        if (i < source.variants.length - 1 && oracleCodes(err).includes('ORA-00904')) continue;
        errors.push(toItemError(source.item, err, secrets));
        return undefined;
      }
    }
    return undefined;
  }

  /** The DBA_ view, or (only when it is not granted) the fallback, with a note on what is missing. */
  async function readOrFallback<T>(errors: ItemError[], primary: Source, fallback: Source, note: string) {
    const primaryErrors: ItemError[] = [];
    const rows = await read<T>(primaryErrors, primary);
    if (rows) return { rows, primary: true };
    errors.push(...primaryErrors.map((e) => ({ ...e, message: `${e.message}; ${note}` })));
    if (primaryErrors[0]?.code !== 'PERMISSION_DENIED') return undefined;
    const fallbackRows = await read<T>(errors, fallback);
    return fallbackRows ? { rows: fallbackRows, primary: false } : undefined;
  }

  async function serverVersion(): Promise<string> {
    try {
      return `Oracle Database ${await runner.serverVersion()}`;
    } catch (err) {
      throw mapOracleError(err, 'query', secrets);
    }
  }

  const readUsers = (errors: ItemError[]) =>
    readOrFallback<UserRow>(
      errors,
      { item: 'dba_users', variants: [q.USERS, q.USERS_11G] },
      { item: 'all_users', variants: [q.ALL_USERS, q.ALL_USERS_11G] },
      'accounts listed from all_users, their status unknown',
    );

  /** Every user's privileges from the DBA_ views; undefined when the role or privilege views are not readable. */
  async function readAllPrivileges(errors: ItemError[], denied: ItemError[]) {
    const rolePrivs = await read<RolePrivRow>(denied, { item: 'dba_role_privs', variants: [q.ROLE_PRIVS] });
    const sysPrivs =
      rolePrivs && (await read<SysPrivRow>(denied, { item: 'dba_sys_privs', variants: [q.SYS_PRIVS] }));
    if (!rolePrivs || !sysPrivs) return undefined;
    const users = await read<UserRow>(errors, { item: 'dba_users', variants: [q.USERS, q.USERS_11G] });
    if (!users) return null;
    const tabPrivs = await read<TabPrivRow>(errors, {
      item: 'dba_tab_privs',
      variants: [q.TAB_PRIVS, q.TAB_PRIVS_11G],
    });
    const quotas = await read<TsQuotaRow>(errors, { item: 'dba_ts_quotas', variants: [q.TS_QUOTAS] });
    return { users, rolePrivs, sysPrivs, tabPrivs: tabPrivs ?? null, quotas: quotas ?? null };
  }

  /** Without the DBA_ views: the collector's own roles, privileges and quotas (USER_ / ROLE_ views). */
  async function readOwnPrivileges(errors: ItemError[]) {
    const users = await read<UserRow>(errors, { item: 'user_users', variants: [q.CURRENT_USER] });
    const rolePrivs = await read<RolePrivRow>(errors, {
      item: 'user_role_privs',
      variants: [q.OWN_ROLE_PRIVS],
    });
    const sysPrivs = await read<SysPrivRow>(errors, { item: 'user_sys_privs', variants: [q.OWN_SYS_PRIVS] });
    const quotas = await read<TsQuotaRow>(errors, { item: 'user_ts_quotas', variants: [q.OWN_TS_QUOTAS] });
    if (!users || !rolePrivs || !sysPrivs) return undefined;
    return { users, rolePrivs, sysPrivs, tabPrivs: null, quotas: quotas ?? null };
  }

  return {
    dbType: 'oracle',

    async testConnection() {
      const started = performance.now();
      try {
        await runner.query(q.PING);
      } catch (err) {
        throw mapOracleError(err, 'query', secrets);
      }
      const version = await serverVersion();
      return { version, latencyMs: Math.round(performance.now() - started) };
    },

    serverVersion,

    async listDatabases() {
      const errors: ItemError[] = [];
      const found = await readOrFallback<TablespaceRow>(
        errors,
        { item: 'dba_tablespaces', variants: [q.TABLESPACES] },
        { item: 'user_tablespaces', variants: [q.USER_TABLESPACES] },
        'tablespaces listed from user_tablespaces',
      );
      return { items: mapTablespaces(found?.rows ?? []), errors };
    },

    async databaseSizes() {
      const errors: ItemError[] = [];
      const allocated = await read<TablespaceBytesRow>(errors, {
        item: 'dba_data_files',
        variants: [q.DATA_FILES],
      });
      if (!allocated) return { items: [], errors };
      const free = await read<TablespaceBytesRow>(errors, {
        item: 'dba_free_space',
        variants: [q.FREE_SPACE],
      });
      return { items: mapTablespaceSizes(allocated, free ?? null), errors };
    },

    async tableSizes(tablespace: string) {
      const errors: ItemError[] = [];
      const source = { item: `tablespace ${tablespace} table sizes`, variants: [q.TABLE_SEGMENTS] };
      const rows = await read<TableSegmentRow>(errors, source, { tablespace });
      return { items: mapTableSegments(rows ?? []), errors };
    },

    async listAccounts() {
      const errors: ItemError[] = [];
      const users = await readUsers(errors);
      return { items: mapUsers(users?.rows ?? []), errors };
    },

    async permissionSnapshot() {
      const errors: ItemError[] = [];
      const collectedAt = ctx.now().toISOString();
      let version: string | null = null;
      try {
        version = await serverVersion();
      } catch (err) {
        errors.push(toItemError('server version', err, secrets));
      }
      const denied: ItemError[] = [];
      let catalog = await readAllPrivileges(errors, denied);
      if (catalog === undefined) {
        const note = "only the collector's own roles, system privileges and quotas were read";
        errors.push(...denied.map((e) => ({ ...e, message: `${e.message}; ${note}` })));
        if (denied[0]?.code === 'PERMISSION_DENIED') catalog = await readOwnPrivileges(errors);
      }
      if (!catalog) return { items: [], errors };
      const items = buildOraclePermissions({ ...catalog, errors, collectedAt, serverVersion: version });
      return { items, errors };
    },

    close: () => runner.close(),
  };
}
