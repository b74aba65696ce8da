import { ConnectionError, RequestError } from 'tedious';
import { describe, expect, it } from 'vitest';
import { permissionChanges } from '../../../domain/accounts/permissionChanges.js';
import { DEFAULT_ENGINE_OPTIONS, EngineError } from '../port.js';
import * as q from './queries.js';
import { sqlserverAdapterOn, tediousConfig } from './sqlserverAdapter.js';
import type { SqlRow, SqlRunner } from './tediousPool.js';
import { login as loginRow } from '../../../../test/support/sqlserverRows.js';

/** A login row as the catalog returns it (the recorded rows of the domain's tests). */
const login = (...args: Parameters<typeof loginRow>): SqlRow => ({ ...loginRow(...args) });

type Answer = SqlRow[] | Error;
const queryNames = new Map<string, string>();
for (const [name, sql] of Object.entries(q)) if (typeof sql === 'string') queryNames.set(sql, name);

/** Answers each catalog query (by its name in queries.ts, per database for database-scoped ones). */
function recordedServer(
  server: Record<string, Answer>,
  databases: Record<string, Record<string, Answer>> = {},
) {
  const state = { closed: false, calls: [] as string[] };
  const runner: SqlRunner = {
    query(sql, params) {
      const inDb = /^EXEC \[(.+)\]\.sys\.sp_executesql @stmt$/.exec(sql);
      const name = queryNames.get(inDb ? (params?.stmt ?? '') : sql) ?? sql;
      const db = inDb?.[1]?.replace(/]]/g, ']');
      state.calls.push(db ? `${db}:${name}` : name);
      const answer = db ? databases[db]?.[name] : server[name];
      if (answer instanceof Error) return Promise.reject(answer);
      return Promise.resolve(answer ?? []);
    },
    close() {
      state.closed = true;
      return Promise.resolve();
    },
  };
  return {
    state,
    adapter: sqlserverAdapterOn(runner, { secrets: ['pw'], now: () => new Date('2025-11-21T01:00:00Z') }),
  };
}

function denied(number: number, message: string): RequestError {
  return Object.assign(new RequestError(message, 'EREQUEST'), { number });
}

const VERSION_TEXT =
  'Microsoft SQL Server 2022 (RTM-CU14) (KB5038325) - 16.0.4135.4 (X64) \n\tJul 10 2024 14:09:09 \n\t' +
  'Copyright (C) 2022 Microsoft Corporation\n\tDeveloper Edition (64-bit) on Linux (Ubuntu 22.04.4 LTS) <X64>';

const fullRights = {
  VERSION: [{ version: VERSION_TEXT }],
  COLLECTOR_RIGHTS: [{ view_any_definition: 1 }],
  LOGINS: [login('sa', { is_sysadmin: 1 }), login('app_user'), login('collector')],
  SERVER_ROLE_MEMBERS: [{ role_name: 'sysadmin', member_name: 'sa' }],
  SERVER_PERMISSIONS: [
    {
      grantee_name: 'collector',
      class_desc: 'SERVER',
      securable_name: null,
      permission_name: 'VIEW ANY DEFINITION',
      state: 'G',
    },
  ],
  DATABASES: [
    { name: 'master', database_id: 1, state_desc: 'ONLINE', has_dbaccess: 1 },
    { name: 'appdb', database_id: 5, state_desc: 'ONLINE', has_dbaccess: 1 },
    { name: 'hrdb', database_id: 6, state_desc: 'ONLINE', has_dbaccess: 0 },
    { name: 'sales]db', database_id: 7, state_desc: 'ONLINE', has_dbaccess: 1 },
  ],
};

const appdb = {
  DATABASE_USERS: [{ user_name: 'app', login_name: 'app_user' }],
  DATABASE_ROLE_MEMBERS: [{ role_name: 'db_datareader', member_name: 'app' }],
  DATABASE_PERMISSIONS: [
    {
      grantee_name: 'app',
      class_desc: 'DATABASE',
      securable_name: null,
      permission_name: 'CONNECT',
      state: 'G',
    },
  ],
};

describe('SQL Server adapter over recorded catalog rows', () => {
  it('reports the first line of @@VERSION', async () => {
    const { adapter } = recordedServer(fullRights);
    expect(await adapter.serverVersion()).toBe(
      'Microsoft SQL Server 2022 (RTM-CU14) (KB5038325) - 16.0.4135.4 (X64)',
    );
    const test = await adapter.testConnection();
    expect(test.version).toContain('16.0.4135.4');
    expect(test.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('builds snapshots, with an ItemError per database it cannot read', async () => {
    const unreadable = denied(
      916,
      'The server principal "collector" is not able to access the database "sales]db".',
    );
    const { adapter, state } = recordedServer(fullRights, {
      appdb,
      'sales]db': { DATABASE_USERS: unreadable },
    });
    const { items, errors } = await adapter.permissionSnapshot();
    expect(errors.map((e) => [e.item, e.code])).toEqual([
      ['database hrdb permissions', 'PERMISSION_DENIED'],
      ['database sales]db permissions', 'PERMISSION_DENIED'],
    ]);
    expect(state.calls).not.toContain('hrdb:DATABASE_USERS');
    expect(state.calls).not.toContain('master:DATABASE_USERS'); // system databases are not read
    const app = items.find((i) => i.username === 'app_user');
    expect(app?.facts.roles).toEqual(['appdb:db_datareader']);
    expect(app?.facts.privileges.database).toEqual({ appdb: ['CONNECT'] });
    expect(app?.snapshot.meta).toEqual({
      collected_at: '2025-11-21T01:00:00.000Z',
      server_version: 'Microsoft SQL Server 2022 (RTM-CU14) (KB5038325) - 16.0.4135.4 (X64)',
    });
    expect(app?.facts.errors).toEqual(errors);
    expect(items.find((i) => i.username === 'sa')?.facts.capabilities).toEqual(['SUPERUSER', 'GRANT_ADMIN']);
  });

  it('a collector without VIEW ANY DEFINITION / VIEW DATABASE STATE: no inventory, sizes with ItemErrors', async () => {
    const { adapter } = recordedServer(
      {
        ...fullRights,
        COLLECTOR_RIGHTS: [{ view_any_definition: 0 }],
        LOGINS: [login('collector')],
        SERVER_ROLE_MEMBERS: [],
        SERVER_PERMISSIONS: denied(
          229,
          "The SELECT permission was denied on the object 'server_permissions'.",
        ),
        MASTER_FILES: [
          { database_id: 1, type: 0, size: 512 },
          { database_id: 1, type: 1, size: 256 },
        ],
      },
      { appdb: { TABLE_SIZES: denied(300, "VIEW DATABASE STATE permission denied in database 'appdb'.") } },
    );
    // Only its own login is visible: that is no inventory (it would deactivate every other login).
    await expect(adapter.listAccounts()).rejects.toMatchObject({
      name: 'EngineError',
      code: 'PERMISSION_DENIED',
      message: expect.stringContaining('VIEW ANY DEFINITION') as unknown,
    });
    const sizes = await adapter.databaseSizes();
    expect(sizes.items).toEqual([{ databaseName: 'master', sizeMb: 6, dataSizeMb: 4, logSizeMb: 2 }]);
    expect(sizes.errors.map((e) => e.item)).toEqual([
      'database appdb size',
      'database hrdb size',
      'database sales]db size',
    ]);
    const tables = await adapter.tableSizes('appdb');
    expect(tables).toEqual({
      items: [],
      errors: [
        {
          item: 'database appdb table sizes',
          code: 'PERMISSION_DENIED',
          message: "VIEW DATABASE STATE permission denied in database 'appdb'. (error 300)",
        },
      ],
    });
  });

  it('a catalog every login depends on, unread: each login carries the error, and keeps its earlier facts', async () => {
    const timeout = Object.assign(
      new RequestError('Timeout: Request failed to complete in 30000ms', 'ETIMEOUT'),
    );
    const clean = await recordedServer(fullRights, { appdb }).adapter.permissionSnapshot();
    const previous = new Map(clean.items.map((i) => [i.username, i.facts]));
    for (const [server, databases, item] of [
      [{ ...fullRights, SERVER_ROLE_MEMBERS: timeout }, { appdb }, 'sys.server_role_members'],
      [fullRights, { appdb: { ...appdb, DATABASE_ROLE_MEMBERS: timeout } }, 'database appdb permissions'],
    ] as const) {
      const snapshot = await recordedServer(server, databases).adapter.permissionSnapshot();
      // Read as it is, sa would have left sysadmin and app_user its database role: never a revocation.
      for (const i of snapshot.items) expect(i.facts.errors.map((e) => e.item)).toContain(item);
      const changes = permissionChanges({ previous, accounts: [...previous.keys()], snapshot });
      expect(changes.entries).toEqual([]);
      expect(changes.unread.map((u) => [u.username, u.code, u.item])).toEqual(
        ['app_user', 'collector', 'sa'].map((u) => [u, 'DATABASE_TIMEOUT', item]),
      );
    }
  });

  it('lists databases and table sizes', async () => {
    const { adapter } = recordedServer(fullRights, {
      appdb: {
        TABLE_SIZES: [
          { schema_name: 'dbo', table_name: 'orders', used_pages: '256', data_pages: '128', row_count: '10' },
        ],
      },
    });
    const dbs = await adapter.listDatabases();
    expect(dbs.items).toEqual([
      { name: 'appdb', isSystem: false },
      { name: 'hrdb', isSystem: false },
      { name: 'master', isSystem: true },
      { name: 'sales]db', isSystem: false },
    ]);
    expect((await adapter.tableSizes('appdb')).items).toEqual([
      { schemaName: 'dbo', tableName: 'orders', sizeMb: 2, dataSizeMb: 1, indexSizeMb: 1, rowCount: 10 },
    ]);
  });

  it('a lost connection fails the whole operation with a scrubbed EngineError', async () => {
    const { adapter } = recordedServer({
      ...fullRights,
      LOGINS: new ConnectionError('Connection lost - read ECONNRESET (pw)', 'ESOCKET'),
    });
    const failure = adapter.listAccounts();
    await expect(failure).rejects.toBeInstanceOf(EngineError);
    await expect(failure).rejects.toMatchObject({ code: 'DATABASE_CONNECTION_ERROR' });
    await expect(failure).rejects.toHaveProperty('message', 'Connection lost - read ECONNRESET ([REDACTED])');
  });

  it('a version query that times out fails testConnection with DATABASE_TIMEOUT', async () => {
    const { adapter } = recordedServer({ VERSION: new RequestError('Timeout: Request failed', 'ETIMEOUT') });
    await expect(adapter.testConnection()).rejects.toMatchObject({ code: 'DATABASE_TIMEOUT' });
  });

  it('close() closes the pool', async () => {
    const { adapter, state } = recordedServer(fullRights);
    await adapter.close();
    expect(state.closed).toBe(true);
  });

  it('configures tedious with default authentication, timeouts and TLS', () => {
    const params = {
      dbType: 'sqlserver' as const,
      host: 'sql01',
      port: 1433,
      username: 'collector',
      password: 'pw',
    };
    expect(tediousConfig(params, DEFAULT_ENGINE_OPTIONS)).toEqual({
      server: 'sql01',
      authentication: { type: 'default', options: { userName: 'collector', password: 'pw' } },
      options: {
        port: 1433,
        database: undefined,
        encrypt: true,
        trustServerCertificate: true,
        connectTimeout: 10_000,
        requestTimeout: 30_000,
        appName: 'whalefall',
      },
    });
    const strict = tediousConfig({ ...params, databaseName: 'appdb' }, DEFAULT_ENGINE_OPTIONS, {
      trustServerCertificate: false,
    });
    expect(strict.options).toMatchObject({ database: 'appdb', trustServerCertificate: false });
  });
});
