// The SQL Server adapter against a live server, when TEST_MSSQL_URL is set
// (mssql://user:pass@host:1433/db). With a sysadmin URL the suite creates its own logins and database
// (prefixed wft_) and checks exact facts for them; with a lesser login it checks what it can read.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_ENGINE_OPTIONS,
  EngineError,
  type ConnectionParams,
  type EngineAdapter,
} from '../../../src/adapters/engines/port.js';
import {
  createSqlserverAdapter,
  tediousConfig,
} from '../../../src/adapters/engines/sqlserver/sqlserverAdapter.js';
import { TediousPool } from '../../../src/adapters/engines/sqlserver/tediousPool.js';

const url = process.env.TEST_MSSQL_URL;
const p = `wft_${randomBytes(4).toString('hex')}`;
const password = `Pw-${randomBytes(6).toString('hex')}-aA1`;
const db = `${p}_db`;

function paramsFrom(raw: string): ConnectionParams {
  const u = new URL(raw);
  return {
    dbType: 'sqlserver',
    host: u.hostname,
    port: Number(u.port || 1433),
    databaseName: decodeURIComponent(u.pathname.slice(1)) || undefined,
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}

const suite = url ? describe : describe.skip;
const title = url
  ? 'SQL Server adapter (live, TEST_MSSQL_URL)'
  : 'SQL Server adapter (live) [skipped: TEST_MSSQL_URL is not set; no SQL Server on this machine]';

suite(title, () => {
  const params = paramsFrom(url ?? 'mssql://unused@localhost');
  let admin: TediousPool;
  let adapter: EngineAdapter;
  let isSysadmin = false;
  const others: EngineAdapter[] = [];

  beforeAll(async () => {
    admin = new TediousPool(tediousConfig(params, DEFAULT_ENGINE_OPTIONS), {
      size: 1,
      connectTimeoutMs: 15_000,
      queryTimeoutMs: 120_000,
      secrets: [params.password],
    });
    adapter = createSqlserverAdapter(params, { connectTimeoutMs: 15_000 });
    const [row] = await admin.query(`SELECT IS_SRVROLEMEMBER('sysadmin') AS is_sysadmin`);
    isSysadmin = row?.is_sysadmin === 1;
    if (!isSysadmin) return;
    for (const name of ['app', 'off', 'deny', 'sec'])
      await admin.query(`CREATE LOGIN [${p}_${name}] WITH PASSWORD = N'${password}', CHECK_POLICY = OFF`);
    await admin.query(`ALTER LOGIN [${p}_off] DISABLE`);
    await admin.query(`DENY CONNECT SQL TO [${p}_deny]`);
    await admin.query(`ALTER SERVER ROLE securityadmin ADD MEMBER [${p}_sec]`);
    await admin.query(`CREATE DATABASE [${db}]`);
    await admin.query(`EXEC [${db}].sys.sp_executesql @stmt`, {
      stmt: `CREATE USER [${p}_app] FOR LOGIN [${p}_app];
             ALTER ROLE db_datareader ADD MEMBER [${p}_app];
             CREATE TABLE dbo.orders (id int PRIMARY KEY, note nvarchar(200));
             INSERT INTO dbo.orders VALUES (1, N'a'), (2, N'b');
             DENY SELECT ON dbo.orders TO [${p}_app];`,
    });
  });

  afterAll(async () => {
    await Promise.all([adapter, ...others].map((a) => a?.close()));
    if (isSysadmin) {
      await admin.query(
        `IF DB_ID(N'${db}') IS NOT NULL ALTER DATABASE [${db}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE`,
      );
      await admin.query(`IF DB_ID(N'${db}') IS NOT NULL DROP DATABASE [${db}]`);
      for (const name of ['app', 'off', 'deny', 'sec'])
        await admin.query(`IF SUSER_ID(N'${p}_${name}') IS NOT NULL DROP LOGIN [${p}_${name}]`);
    }
    await admin?.close();
  });

  it('connects and reports the version', async () => {
    const test = await adapter.testConnection();
    expect(test.version).toMatch(/^Microsoft SQL Server/);
    expect(await adapter.serverVersion()).toBe(test.version);
  });

  it('lists databases, system ones flagged', async () => {
    const { items } = await adapter.listDatabases();
    expect(items).toContainEqual({ name: 'master', isSystem: true });
    if (isSysadmin) expect(items).toContainEqual({ name: db, isSystem: false });
  });

  it('sizes databases from sys.master_files', async () => {
    const { items, errors } = await adapter.databaseSizes();
    const master = items.find((s) => s.databaseName === 'master');
    if (!master) {
      // A collector without VIEW ANY DEFINITION sees no file of master.
      expect(errors).toContainEqual(expect.objectContaining({ item: 'database master size' }));
      return;
    }
    expect(master.dataSizeMb).toBeGreaterThan(0);
    expect(master.logSizeMb).toBeGreaterThan(0);
    expect(master.sizeMb).toBeCloseTo((master.dataSizeMb ?? 0) + (master.logSizeMb ?? 0), 2);
  });

  it('sizes the tables of a database (own database, sysadmin only)', async () => {
    if (!isSysadmin) return;
    const { items, errors } = await adapter.tableSizes(db);
    expect(errors).toEqual([]);
    expect(items).toContainEqual(
      expect.objectContaining({ schemaName: 'dbo', tableName: 'orders', rowCount: 2 }),
    );
  });

  it('lists accounts, with lock states', async () => {
    const { items } = await adapter.listAccounts();
    expect(items.map((a) => a.username)).toContain(params.username);
    if (!isSysadmin) return;
    const byName = Object.fromEntries(items.map((a) => [a.username, a]));
    expect(byName[`${p}_app`]).toMatchObject({ isSystem: false, locked: false });
    expect(byName[`${p}_off`]?.locked).toBe(true);
    expect(byName[`${p}_deny`]?.locked).toBe(true);
  });

  it('builds permission snapshots and facts', async () => {
    const { items, errors } = await adapter.permissionSnapshot();
    const own = items.find((i) => i.username === params.username);
    expect(own?.snapshot).toMatchObject({ version: 4, db_type: 'sqlserver' });
    if (!isSysadmin) {
      expect(errors.every((e) => e.code !== undefined)).toBe(true);
      return;
    }
    expect(own?.facts.capabilities).toContain('SUPERUSER');
    const app = items.find((i) => i.username === `${p}_app`);
    expect(app?.facts.roles).toContain(`${db}:db_datareader`);
    expect(app?.snapshot.categories.database_permissions).toMatchObject({
      [db]: expect.arrayContaining([
        expect.objectContaining({ permission: 'SELECT', state: 'DENY', securable: 'dbo.orders' }),
      ]),
    });
    const sec = items.find((i) => i.username === `${p}_sec`);
    expect(sec?.facts.capability_reasons.GRANT_ADMIN).toEqual(['member of securityadmin']);
    expect(items.find((i) => i.username === `${p}_deny`)?.facts.capability_reasons.LOCKED).toEqual([
      'CONNECT SQL denied',
    ]);
  });

  it('a limited collector gets ItemErrors, not a crash', async () => {
    if (!isSysadmin) return;
    const limited = createSqlserverAdapter({
      ...params,
      username: `${p}_app`,
      password,
      databaseName: undefined,
    });
    others.push(limited);
    const accounts = await limited.listAccounts();
    expect(accounts.errors).toContainEqual(
      expect.objectContaining({ item: 'sys.server_principals', code: 'PERMISSION_DENIED' }),
    );
    const tables = await limited.tableSizes(db);
    expect(tables.errors).toContainEqual(expect.objectContaining({ code: 'PERMISSION_DENIED' }));
  });

  it('a wrong password is DATABASE_CONNECTION_ERROR, without the password', async () => {
    const wrong = `Wrong-${randomBytes(4).toString('hex')}`;
    const bad = createSqlserverAdapter({ ...params, password: wrong }, { connectTimeoutMs: 15_000 });
    others.push(bad);
    const failure = bad.testConnection();
    await expect(failure).rejects.toBeInstanceOf(EngineError);
    await expect(failure).rejects.toMatchObject({ code: 'DATABASE_CONNECTION_ERROR' });
    await failure.catch((err: Error) => expect(err.message).not.toContain(wrong));
  });
});
