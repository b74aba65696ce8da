// The MySQL/MariaDB engine adapter (mysql2/promise): one small pool, timeouts on every statement,
// errors as EngineError (scrubbed), unreadable catalogs as ItemError next to the data that was read.
// An adapter lives for one attempt on one instance: what does not change within it (the server version,
// the collector's scope, SHOW DATABASES, the account catalog) is read once and kept: a capacity collection
// runs each once, an account sync reads the catalog once and every SHOW GRANTS in one round trip.
import type {
  AccountInfo,
  AccountPermissions,
  Collected,
  ItemError,
  PermissionsCollected,
} from '../../../domain/engines/model.js';
import {
  buildMysqlPermissions,
  mysqlAccountName,
  SYSTEM_ACCOUNTS,
  type MysqlAccountRow,
} from '../../../domain/engines/mysql/facts.js';
import { parseGrants } from '../../../domain/engines/mysql/grants.js';
import { escape } from 'mysql2/promise';
import { EngineError, type ConnectionParams, type EngineAdapter, type EngineOptions } from '../port.js';
import { readAccountCatalog, serverInfo, type ServerInfo } from './mysqlAccounts.js';
import {
  collectorScope,
  databaseNames,
  databaseSizes,
  listDatabases,
  tableSizes,
  type CollectorScope,
} from './mysqlCatalog.js';
import { itemErrorOf } from './mysqlErrors.js';
import { cellText, createMysqlSession, type MysqlSession } from './mysqlSession.js';

/**
 * `load` run at most once while its result is kept: concurrent callers share the call in flight. A
 * rejection, or a value `keep` refuses (a transient failure folded into the value), is forgotten, so
 * the next call asks the server again.
 */
function remembered<T>(load: () => Promise<T>, keep: (value: T) => boolean = () => true) {
  let kept: Promise<T> | undefined;
  const forget = () => {
    kept = undefined;
  };
  const get = (): Promise<T> => {
    if (kept) return kept;
    const current = load();
    kept = current;
    const drop = () => {
      if (kept === current) forget();
    };
    void current.then((value) => {
      if (!keep(value)) drop();
    }, drop);
    return current;
  };
  return { get, forget };
}

/** A scope read fully, or denied (which asking again would not change), is kept; a timeout is not. */
const settledScope = (scope: CollectorScope) => scope.errors.every((e) => e.code === 'PERMISSION_DENIED');

function toAccountInfo(row: MysqlAccountRow): AccountInfo {
  return {
    username: mysqlAccountName(row.user, row.host),
    isSystem: SYSTEM_ACCOUNTS.has(row.user),
    locked: row.accountLocked === true || row.passwordExpired === true,
    attributes: {
      user: row.user,
      host: row.host,
      source: row.source,
      plugin: row.plugin,
      auth_plugins: row.authPlugins,
      account_locked: row.accountLocked,
      password_expired: row.passwordExpired,
      password_last_changed: row.passwordLastChanged,
    },
  };
}

/**
 * One account's permissions, or the error that kept them from being read: an error naming the account,
 * never facts built without its grants (they would read as every privilege revoked).
 */
function accountPermissions(
  row: MysqlAccountRow,
  lines: unknown[][] | EngineError,
  info: ServerInfo,
  collectedAt: string,
  secrets: readonly string[],
): AccountPermissions | ItemError {
  const name = mysqlAccountName(row.user, row.host);
  if (lines instanceof EngineError)
    return { ...itemErrorOf(`account ${name} grants`, lines, secrets), account: name };
  return buildMysqlPermissions({
    account: row,
    grants: parseGrants(lines.map((r) => cellText(r[0]))),
    collectedAt,
    serverVersion: info.version,
  });
}

/** SHOW GRANTS of one account, under the server-side timeout on MariaDB (SHOW is not bound on MySQL). */
function showGrants(row: MysqlAccountRow, info: ServerInfo, timeoutMs: number): string {
  const sql = `SHOW GRANTS FOR ${escape(row.user)}@${escape(row.host)}`;
  if (!info.mariadb) return sql;
  return `SET STATEMENT max_statement_time = ${Math.max(1, Math.ceil(timeoutMs / 1000))} FOR ${sql}`;
}

export function createMysqlAdapter(params: ConnectionParams, options?: EngineOptions): EngineAdapter {
  return mysqlAdapterOn(createMysqlSession(params, options));
}

/** The adapter over a given session (tests pass a session that counts the statements it runs). */
export function mysqlAdapterOn(session: MysqlSession): EngineAdapter {
  let server: ServerInfo | undefined;
  const scope = remembered(() => collectorScope(session), settledScope);
  const names = remembered(() => databaseNames(session));
  // Read once for the inventory and the permissions of a sync (syncInstanceAccounts.ts): both describe
  // the same accounts, and the catalog is a round trip. A fallback after a timeout is read again.
  const catalog = remembered(
    async () => readAccountCatalog(session, await getServer()),
    (c) => c.errors.every((e) => e.code === 'PERMISSION_DENIED'),
  );

  async function getServer(): Promise<ServerInfo> {
    if (!server) {
      const [row] = await session.query('SELECT VERSION() AS version');
      server = serverInfo(cellText(row?.version ?? ''));
    }
    return server;
  }

  return {
    dbType: 'mysql',

    async testConnection() {
      const started = performance.now();
      const [row] = await session.query('SELECT VERSION() AS version');
      const latencyMs = Math.round(performance.now() - started);
      server = serverInfo(cellText(row?.version ?? ''));
      return { version: server.version, latencyMs };
    },

    async serverVersion() {
      return (await getServer()).version;
    },

    async listDatabases() {
      const s = await scope.get();
      return listDatabases(await names.get(), s);
    },

    async databaseSizes() {
      const s = await scope.get();
      return databaseSizes(session, s, await names.get(), await getServer());
    },

    async tableSizes(database: string) {
      return tableSizes(session, await scope.get(), database, await getServer());
    },

    async listAccounts(): Promise<Collected<AccountInfo>> {
      const { rows, errors } = await catalog.get();
      return { items: rows.map(toAccountInfo), errors };
    },

    async permissionSnapshot(): Promise<PermissionsCollected> {
      const info = await getServer();
      const { rows, errors } = await catalog.get();
      const collectedAt = new Date().toISOString();
      // Every account's SHOW GRANTS in one round trip (mysqlBatch.ts), whatever the number of accounts.
      const grants = await session.queryEach(
        rows.map((row) => showGrants(row, info, session.options.queryTimeoutMs)),
      );
      const results = rows.map((row, i) =>
        accountPermissions(row, grants[i]!, info, collectedAt, session.secrets),
      );
      const read = (r: AccountPermissions | ItemError): r is AccountPermissions => 'facts' in r;
      return {
        items: results.filter(read),
        errors: [...errors, ...results.filter((r): r is ItemError => !read(r))],
      };
    },

    close() {
      // Nothing kept outlives the pool: after close() every call fails, as it did before it kept any.
      scope.forget();
      names.forget();
      catalog.forget();
      return session.close();
    },
  };
}
