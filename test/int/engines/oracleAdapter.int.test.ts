// The Oracle adapter (node-oracledb Thin mode) against a live database, when TEST_ORACLE_URL is set
// (oracle://user:pass@host:1521/service, a PDB service). With a DBA URL the suite creates its own users
// (prefixed WFT_) and checks exact facts for them; with a lesser user it checks what it can read.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOracleAdapter, poolAttributes } from '../../../src/adapters/engines/oracle/oracleAdapter.js';
import { loadOracleDriver } from '../../../src/adapters/engines/oracle/oracledbDriver.js';
import { OraclePoolRunner } from '../../../src/adapters/engines/oracle/oraclePoolRunner.js';
import {
  DEFAULT_ENGINE_OPTIONS,
  EngineError,
  type ConnectionParams,
  type EngineAdapter,
} from '../../../src/adapters/engines/port.js';

const url = process.env.TEST_ORACLE_URL;
const p = `WFT_${randomBytes(4).toString('hex').toUpperCase()}`;
const password = `Pw_${randomBytes(6).toString('hex')}`;
const users = ['APP', 'LCK', 'GA'].map((u) => `${p}_${u}`);
const [APP, LCK, GA] = users as [string, string, string];

function paramsFrom(raw: string): ConnectionParams {
  const u = new URL(raw);
  return {
    dbType: 'oracle',
    host: u.hostname,
    port: Number(u.port || 1521),
    databaseName: decodeURIComponent(u.pathname.slice(1)) || undefined,
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}

const suite = url ? describe : describe.skip;
const title = url
  ? 'Oracle adapter (live, TEST_ORACLE_URL)'
  : 'Oracle adapter (live) [skipped: TEST_ORACLE_URL is not set; no Oracle on this machine]';

suite(title, () => {
  const params = paramsFrom(url ?? 'oracle://unused@localhost/unused');
  let admin: OraclePoolRunner;
  let adapter: EngineAdapter;
  let isDba = false;
  const others: EngineAdapter[] = [];

  beforeAll(async () => {
    admin = new OraclePoolRunner(loadOracleDriver, poolAttributes(params, DEFAULT_ENGINE_OPTIONS), {
      queryTimeoutMs: 120_000,
      secrets: [params.password],
    });
    adapter = createOracleAdapter(params, { connectTimeoutMs: 15_000 });
    const [row] = await admin.query(`SELECT COUNT(*) AS n FROM session_roles WHERE role = 'DBA'`);
    isDba = row?.N === 1;
    if (!isDba) return;
    for (const user of users) await admin.query(`CREATE USER ${user} IDENTIFIED BY "${password}"`);
    await admin.query(`GRANT CREATE SESSION TO ${APP}`);
    await admin.query(`ALTER USER ${APP} QUOTA 10M ON SYSTEM`);
    await admin.query(`ALTER USER ${LCK} ACCOUNT LOCK`);
    await admin.query(`GRANT GRANT ANY ROLE TO ${GA}`);
  });

  afterAll(async () => {
    await Promise.all([adapter, ...others].map((a) => a?.close()));
    if (isDba)
      for (const user of users) await admin.query(`DROP USER ${user} CASCADE`).catch(() => undefined);
    await admin?.close();
  });

  it('connects and reports the version', async () => {
    const test = await adapter.testConnection();
    expect(test.version).toMatch(/^Oracle Database \d+\.\d+/);
  });

  it('lists tablespaces, SYSTEM flagged', async () => {
    const { items, errors } = await adapter.listDatabases();
    expect(items).toContainEqual({ name: 'SYSTEM', isSystem: true });
    if (isDba) expect(errors).toEqual([]);
  });

  it('sizes tablespaces from dba_data_files and dba_free_space', async () => {
    const { items, errors } = await adapter.databaseSizes();
    if (!isDba) {
      expect(errors).toContainEqual(expect.objectContaining({ item: 'dba_data_files' }));
      return;
    }
    const system = items.find((s) => s.databaseName === 'SYSTEM');
    expect(system?.sizeMb).toBeGreaterThan(0);
    expect(system?.dataSizeMb).toBeGreaterThan(0);
    expect(system?.logSizeMb).toBeNull();
  });

  it('sizes the tables of a tablespace', async () => {
    const { items, errors } = await adapter.tableSizes('SYSTEM');
    if (!isDba) return;
    expect(errors).toEqual([]);
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((t) => t.sizeMb >= (t.dataSizeMb ?? 0))).toBe(true);
  });

  it('lists accounts, with lock states and built-ins', async () => {
    const { items } = await adapter.listAccounts();
    expect(items.map((a) => a.username)).toContain(params.username.toUpperCase());
    if (!isDba) return;
    const byName = Object.fromEntries(items.map((a) => [a.username, a]));
    expect(byName.SYS?.isSystem).toBe(true);
    expect(byName[APP]).toMatchObject({ isSystem: false, locked: false });
    expect(byName[LCK]).toMatchObject({ locked: true, attributes: { account_status: 'LOCKED' } });
  });

  it('builds permission snapshots and facts', async () => {
    const { items } = await adapter.permissionSnapshot();
    const own = items.find((i) => i.username === params.username.toUpperCase());
    expect(own?.snapshot).toMatchObject({ version: 4, db_type: 'oracle' });
    if (!isDba) return;
    expect(own?.facts.capabilities).toContain('SUPERUSER');
    const app = items.find((i) => i.username === APP);
    expect(app?.facts.privileges.system).toEqual(['CREATE SESSION']);
    expect(app?.facts.privileges.tablespace).toEqual({ SYSTEM: ['QUOTA 10 MB'] });
    expect(items.find((i) => i.username === GA)?.facts.capability_reasons.GRANT_ADMIN).toEqual([
      'system privilege GRANT ANY ROLE',
    ]);
    expect(items.find((i) => i.username === LCK)?.facts.capability_reasons.LOCKED).toEqual([
      'account_status = LOCKED',
    ]);
  });

  it('a collector without DBA views falls back and reports ItemErrors', async () => {
    if (!isDba) return;
    const limited = createOracleAdapter({ ...params, username: APP, password });
    others.push(limited);
    const accounts = await limited.listAccounts();
    expect(accounts.errors).toContainEqual(
      expect.objectContaining({ item: 'dba_users', code: 'PERMISSION_DENIED' }),
    );
    expect(accounts.items.map((a) => a.username)).toContain(APP);
    const snapshot = await limited.permissionSnapshot();
    expect(snapshot.items.map((i) => i.username)).toEqual([APP]);
    expect(snapshot.items[0]?.facts.privileges.system).toEqual(['CREATE SESSION']);
  });

  it('a wrong password is DATABASE_CONNECTION_ERROR, without the password', async () => {
    const wrong = `Wrong_${randomBytes(4).toString('hex')}`;
    const bad = createOracleAdapter({ ...params, password: wrong }, { connectTimeoutMs: 15_000 });
    others.push(bad);
    const failure = bad.testConnection();
    await expect(failure).rejects.toBeInstanceOf(EngineError);
    await expect(failure).rejects.toMatchObject({ code: 'DATABASE_CONNECTION_ERROR' });
    await failure.catch((err: Error) => expect(err.message).not.toContain(wrong));
  });
});
