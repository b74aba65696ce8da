// The MySQL/MariaDB adapter against the local server, collected as root: exact facts for accounts
// created here, sizes, databases, connection errors. Limited collectors: mysqlAdapterLimited.int.test.ts.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountPermissions, PermissionFacts } from '../../../src/domain/engines/model.js';
import { createMysqlAdapter } from '../../../src/adapters/engines/mysql/mysqlAdapter.js';
import {
  EngineError,
  type ConnectionParams,
  type EngineAdapter,
} from '../../../src/adapters/engines/port.js';
import { freePort } from '../../support/net.js';
import { mysqlService, titled } from '../../support/services.js';

const service = mysqlService();
const p = `wft_${randomBytes(4).toString('hex')}`;
const esc = (s: string) => s.replace(/[_%]/g, '\\$&');
const ROWS = 20_000;
const PAD = 200;

function rootParams(): ConnectionParams {
  const u = new URL(service.url!);
  return {
    dbType: 'mysql',
    host: u.hostname,
    port: Number(u.port || 3306),
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}

const facts = (
  capabilities: PermissionFacts['capabilities'],
  capability_reasons: PermissionFacts['capability_reasons'],
  global: string[],
  database: Record<string, string[]> = {},
  roles: string[] = [],
): PermissionFacts => ({
  db_type: 'mysql',
  capabilities,
  capability_reasons,
  roles,
  privileges: { global, server: [], system: [], database, tablespace: {} },
  errors: [],
});

describe.skipIf(!service.url)(titled('MySQL/MariaDB adapter, root collector', service), () => {
  let admin: mysql.Connection;
  let adapter: EngineAdapter;
  const cleanup: string[] = [];

  beforeAll(async () => {
    admin = await mysql.createConnection({ uri: service.url! });
    const run = (sql: string) => admin.query(sql);
    cleanup.push(`DROP DATABASE IF EXISTS \`${p}_a\``, `DROP DATABASE IF EXISTS \`${p}_b\``);
    cleanup.push(`DROP DATABASE IF EXISTS \`${p}_empty\``, `DROP ROLE IF EXISTS \`${p}_role\``);
    for (const u of ['all', 'super', 'sel', 'esc', 'locked', 'exp', 'ruser', 'pw'])
      cleanup.push(`DROP USER IF EXISTS \`${p}_${u}\`@'%'`);
    for (const db of ['a', 'b', 'empty']) await run(`CREATE DATABASE \`${p}_${db}\``);
    await run(
      `CREATE TABLE \`${p}_a\`.big (id INT PRIMARY KEY, k INT NOT NULL, pad VARCHAR(${PAD}) NOT NULL, KEY (k))`,
    );
    await run(
      `INSERT INTO \`${p}_a\`.big (id, k, pad)
       SELECT n, n % 97, REPEAT(CHAR(65 + n % 26), ${PAD}) FROM (
         SELECT a.d + 10 * b.d + 100 * c.d + 1000 * d.d + 10000 * e.d + 1 AS n
           FROM (SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
                 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) a,
                (SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
                 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) b,
                (SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
                 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) c,
                (SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
                 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) d,
                (SELECT 0 d UNION ALL SELECT 1) e) nums WHERE n <= ${ROWS}`,
    );
    await run(`CREATE TABLE \`${p}_a\`.small (id INT PRIMARY KEY)`);
    await run(`CREATE VIEW \`${p}_a\`.v AS SELECT id FROM \`${p}_a\`.small`);
    await run(`CREATE TABLE \`${p}_b\`.t (id INT PRIMARY KEY)`);
    await run(`ANALYZE TABLE \`${p}_a\`.big, \`${p}_a\`.small, \`${p}_b\`.t`);

    const user = (name: string, extra = '') =>
      run(`CREATE USER \`${p}_${name}\`@'%' IDENTIFIED BY 'Pw-${p}' ${extra}`);
    await user('all');
    await run(`GRANT ALL PRIVILEGES ON *.* TO \`${p}_all\`@'%' WITH GRANT OPTION`);
    await user('super');
    await run(`GRANT SUPER ON *.* TO \`${p}_super\`@'%'`);
    await user('sel');
    await run(`GRANT SELECT ON \`${p}_a\`.* TO \`${p}_sel\`@'%'`);
    await user('esc');
    await run(`GRANT SELECT, INSERT ON \`${esc(p)}\\_b\`.* TO \`${p}_esc\`@'%'`);
    await user('locked', 'ACCOUNT LOCK');
    await user('exp', 'PASSWORD EXPIRE');
    await user('ruser');
    await run(`CREATE ROLE \`${p}_role\``);
    await run(`GRANT SELECT ON \`${p}_b\`.* TO \`${p}_role\``);
    await run(`GRANT \`${p}_role\` TO \`${p}_ruser\`@'%'`);
    await run(`SET DEFAULT ROLE \`${p}_role\` FOR \`${p}_ruser\`@'%'`);
    // MariaDB grants a new role to its creator WITH ADMIN OPTION; take it back from root.
    await run(`REVOKE \`${p}_role\` FROM CURRENT_USER`).catch(() => undefined);
    await user('pw');
    adapter = createMysqlAdapter(rootParams(), { queryTimeoutMs: 20_000, poolSize: 2 });
  });

  afterAll(async () => {
    await adapter?.close();
    for (const sql of cleanup) await admin?.query(sql).catch(() => undefined);
    await admin?.end();
  });

  it('testConnection gives the version and the latency', async () => {
    const t = await adapter.testConnection();
    expect(t.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(t.latencyMs).toBeGreaterThanOrEqual(0);
    expect(await adapter.serverVersion()).toBe(t.version);
  });

  it('reports the exact facts of each test account', async () => {
    const snap = await adapter.permissionSnapshot();
    expect(snap.errors).toEqual([]);
    const byName = new Map<string, AccountPermissions>(snap.items.map((i) => [i.username, i]));
    const f = (name: string) => byName.get(`${p}_${name}@%`)?.facts;
    const superuser = (why: string) => ({ SUPERUSER: [why] });
    expect(f('all')).toEqual(
      facts(
        ['SUPERUSER', 'GRANT_ADMIN'],
        { ...superuser('ALL PRIVILEGES ON *.* includes SUPER'), GRANT_ADMIN: ['WITH GRANT OPTION on *.*'] },
        ['ALL PRIVILEGES', 'GRANT OPTION'],
      ),
    );
    expect(f('super')).toEqual(facts(['SUPERUSER'], superuser('global SUPER privilege'), ['SUPER']));
    expect(f('sel')).toEqual(facts([], {}, [], { [`${p}_a`]: ['SELECT'] }));
    expect(f('esc')).toEqual(facts([], {}, [], { [`${esc(p)}\\_b`]: ['INSERT', 'SELECT'] }));
    expect(f('locked')).toEqual(facts(['LOCKED'], { LOCKED: ['account_locked = Y'] }, []));
    expect(f('exp')).toEqual(facts(['LOCKED'], { LOCKED: ['password_expired = Y'] }, []));
    expect(f('ruser')).toEqual(facts([], {}, [], {}, [`${p}_role`]));
    expect(byName.has(`${p}_role@`)).toBe(false); // a role is not an account

    const sel = byName.get(`${p}_sel@%`)!.snapshot;
    expect(sel.version).toBe(4);
    expect(sel.categories.database_privileges).toEqual([
      { database: `${p}_a`, wildcard: true, privileges: ['SELECT'], grant_option: false },
    ]);
    expect(byName.get(`${p}_esc@%`)!.snapshot.categories.database_privileges).toEqual([
      { database: `${esc(p)}\\_b`, wildcard: false, privileges: ['INSERT', 'SELECT'], grant_option: false },
    ]);
    expect(byName.get(`${p}_ruser@%`)!.snapshot.type_specific.roles).toEqual({
      granted: [`${p}_role`],
      admin_option: [],
      default: [`${p}_role`],
    });
    expect(JSON.stringify(snap)).not.toMatch(/[0-9A-F]{40}/); // no password hash travels
  });

  it('lists accounts, flags system accounts, does not list roles', async () => {
    const { items, errors } = await adapter.listAccounts();
    expect(errors).toEqual([]);
    const mine = items.filter((a) => a.username.startsWith(`${p}_`)).map((a) => [a.username, a.locked]);
    expect(mine.sort()).toEqual(
      ['all', 'esc', 'exp', 'locked', 'pw', 'ruser', 'sel', 'super']
        .map((u) => [`${p}_${u}@%`, u === 'locked' || u === 'exp'])
        .sort(),
    );
    expect(items.filter((a) => a.isSystem).map((a) => a.username)).toEqual(
      expect.arrayContaining(
        items.filter((a) => a.username.startsWith('mariadb.sys@')).map((a) => a.username),
      ),
    );
    expect(items.find((a) => a.username.startsWith('root@'))?.isSystem).toBe(false);
    expect(items.find((a) => a.username === `${p}_all@%`)?.attributes).toMatchObject({
      source: 'mysql.global_priv',
      plugin: 'mysql_native_password',
    });
  });

  it('lists databases with system ones flagged', async () => {
    const { items, errors } = await adapter.listDatabases();
    expect(errors).toEqual([]);
    const byName = new Map(items.map((d) => [d.name, d.isSystem]));
    expect(byName.get('mysql')).toBe(true);
    expect(byName.get('information_schema')).toBe(true);
    expect(byName.get('performance_schema')).toBe(true);
    expect(byName.get(`${p}_a`)).toBe(false);
    expect(byName.get(`${p}_empty`)).toBe(false);
  });

  /** The allocated size of a database's InnoDB tablespace files, as the server reports them, in MB. */
  const filesMb = async (db: string) => {
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      'SELECT COALESCE(SUM(ALLOCATED_SIZE), 0) AS bytes FROM information_schema.INNODB_SYS_TABLESPACES WHERE NAME LIKE ?',
      [`${db}/%`],
    );
    return Math.round((Number(rows[0]!.bytes) / 1024 / 1024) * 1000) / 1000;
  };

  it('sizes user databases from their tablespace files, an empty one as 0, no system schema', async () => {
    const { items, errors } = await adapter.databaseSizes();
    expect(errors).toEqual([]);
    const a = items.find((d) => d.databaseName === `${p}_a`)!;
    const rawMb = (ROWS * PAD) / 1024 / 1024; // the pad bytes alone
    expect(a.sizeMb).toBeGreaterThanOrEqual(rawMb);
    // root holds PROCESS: every table of a is InnoDB in its own file, and the file is the figure.
    expect(a).toEqual({
      databaseName: `${p}_a`,
      sizeMb: await filesMb(`${p}_a`),
      dataSizeMb: a.sizeMb,
      logSizeMb: null,
      sizeMethod: 'tablespace',
    });
    expect(items.find((d) => d.databaseName === `${p}_empty`)).toEqual({
      databaseName: `${p}_empty`,
      sizeMb: 0,
      dataSizeMb: 0,
      logSizeMb: null,
      sizeMethod: 'tablespace',
    });
    // The system schemas (those listDatabases flags) are neither summed nor reported.
    const system = ['information_schema', 'mysql', 'performance_schema', 'sys'];
    expect(items.filter((d) => system.includes(d.databaseName))).toEqual([]);
    expect(items.map((d) => d.databaseName)).toEqual(expect.arrayContaining([`${p}_a`, `${p}_b`]));
  });

  it('sizes tables: views excluded, each from its file, sums match the database size', async () => {
    const { items, errors } = await adapter.tableSizes(`${p}_a`);
    expect(errors).toEqual([]);
    expect(items.map((t) => t.tableName)).toEqual(['big', 'small']);
    const big = items[0]!;
    expect(big.schemaName).toBe(`${p}_a`);
    // A file holds data and indexes together: the split is not known, the whole counts as data.
    expect(big.indexSizeMb).toBeNull();
    expect(big.dataSizeMb).toBe(big.sizeMb);
    expect(big.rowCount).toBeGreaterThan(ROWS * 0.5); // InnoDB's estimate after ANALYZE
    expect(big.rowCount).toBeLessThan(ROWS * 1.5);
    const db = (await adapter.databaseSizes()).items.find((d) => d.databaseName === `${p}_a`)!;
    expect(items.reduce((s, t) => s + t.sizeMb, 0)).toBeCloseTo(db.sizeMb, 2);
    const missing = await adapter.tableSizes(`${p}_nope`);
    expect(missing.items).toEqual([]);
    expect(missing.errors).toEqual([expect.objectContaining({ code: 'DATABASE_QUERY_ERROR' })]);
  });

  it('a wrong password is DATABASE_CONNECTION_ERROR without the password in the message', async () => {
    const secret = `Wrong-${randomBytes(6).toString('hex')}`;
    const bad = createMysqlAdapter({ ...rootParams(), username: `${p}_pw`, password: secret });
    const err = await bad.testConnection().catch((e: unknown) => e);
    await bad.close();
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('DATABASE_CONNECTION_ERROR');
    expect((err as EngineError).message).toMatch(/Access denied/);
    expect((err as EngineError).message).not.toContain(secret);
  });

  it('a closed port is DATABASE_CONNECTION_ERROR', async () => {
    const closed = createMysqlAdapter(
      { ...rootParams(), port: await freePort() },
      { connectTimeoutMs: 3000 },
    );
    const err = await closed.listDatabases().catch((e: unknown) => e);
    await closed.close();
    expect(err).toMatchObject({ name: 'EngineError', code: 'DATABASE_CONNECTION_ERROR' });
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('after close() every call fails with DATABASE_CONNECTION_ERROR', async () => {
    const a = createMysqlAdapter(rootParams());
    await a.testConnection();
    await a.close();
    await a.close(); // idempotent
    await expect(a.listAccounts()).rejects.toMatchObject({ code: 'DATABASE_CONNECTION_ERROR' });
  });
});
