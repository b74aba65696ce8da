// The MySQL/MariaDB engine adapter (mysql2/promise): one small pool, timeouts on every statement,
// errors as EngineError (scrubbed), unreadable catalogs as ItemError next to the data that was read.
// An adapter lives for one attempt on one instance: what does not change within it (the server version,
// the collector's scope, SHOW DATABASES) is read once and kept: a capacity collection runs each once.
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
import type { ConnectionParams, EngineAdapter, EngineOptions } from '../port.js';
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

/** Runs `fn` over `items` with at most `limit` at a time, keeping the order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

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
async function readAccount(
  session: MysqlSession,
  row: MysqlAccountRow,
  info: ServerInfo,
  collectedAt: string,
): Promise<AccountPermissions | ItemError> {
  const name = mysqlAccountName(row.user, row.host);
  let lines: unknown[][];
  try {
    lines = await session.queryArrays('SHOW GRANTS FOR ?@?', [row.user, row.host]);
  } catch (err) {
    return { ...itemErrorOf(`account ${name} grants`, err, session.secrets), account: name };
  }
  return buildMysqlPermissions({
    account: row,
    grants: parseGrants(lines.map((r) => cellText(r[0]))),
    collectedAt,
    serverVersion: info.version,
  });
}

export function createMysqlAdapter(params: ConnectionParams, options?: EngineOptions): EngineAdapter {
  return mysqlAdapterOn(createMysqlSession(params, options));
}

/** The adapter over a given session (tests pass a session that counts the statements it runs). */
export function mysqlAdapterOn(session: MysqlSession): EngineAdapter {
  let server: ServerInfo | undefined;
  const scope = remembered(() => collectorScope(session), settledScope);
  const names = remembered(() => databaseNames(session));

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
      const catalog = await readAccountCatalog(session, await getServer());
      return { items: catalog.rows.map(toAccountInfo), errors: catalog.errors };
    },

    async permissionSnapshot(): Promise<PermissionsCollected> {
      const info = await getServer();
      const catalog = await readAccountCatalog(session, info);
      const collectedAt = new Date().toISOString();
      const results = await mapLimit(catalog.rows, session.options.poolSize, (row) =>
        readAccount(session, row, info, collectedAt),
      );
      const read = (r: AccountPermissions | ItemError): r is AccountPermissions => 'facts' in r;
      return {
        items: results.filter(read),
        errors: [...catalog.errors, ...results.filter((r): r is ItemError => !read(r))],
      };
    },

    close() {
      // Nothing kept outlives the pool: after close() every call fails, as it did before it kept any.
      scope.forget();
      names.forget();
      return session.close();
    },
  };
}
