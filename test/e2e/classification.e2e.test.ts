// Classification as a new user meets it, over HTTP against the local MariaDB and PostgreSQL: accounts made
// with ALL + GRANT OPTION, SUPER, a plain SELECT and a lock (and their PostgreSQL likes) land in the seeded
// system classifications after one sync and one classify call; risk_level=high lists exactly the accounts
// holding SUPERUSER or GRANT_ADMIN; a rule edited and run again changes the assignments by a diff in the
// run's timeline, and as-of before the edit still names the old rule version.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, TEST_SECRET_KEY, type ApiServer } from '../support/apiServer.js';
import { runCliToEnd } from '../support/cliProcess.js';
import { registerCollector, syncAccountsAndWait } from '../support/apiInstances.js';
import { createCollector, dropCollector } from '../support/mariadbCollector.js';
import { mysqlService, postgresService, titled } from '../support/services.js';

const maria = mysqlService();
const postgres = postgresService();
const p = `wfc_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };

type Row = { id: string; username: string; instance_id: string; classifications?: { name: string }[] };
type Page<T> = { data: T[]; meta?: { total?: number } };

describe.skipIf(!maria.url || !postgres.url)(titled('classification over HTTP', maria), () => {
  let api: ApiServer;
  let token: string;
  let root: mysql.Connection;
  let admin: pg.Client;
  const ids: { maria?: string; pg?: string } = {};
  const call = <T>(method: string, path: string, body?: unknown) =>
    api.call<T>(method, path, { token, body });
  const waitForSession = async (id: string) => {
    await expect
      .poll(
        async () =>
          (await call<{ data: { status: string } }>('GET', `/sync-sessions/${id}`)).body.data.status,
        {
          timeout: 30_000,
        },
      )
      .not.toBe('running');
    return (await call<{ data: { status: string } }>('GET', `/sync-sessions/${id}`)).body.data.status;
  };
  const classify = async () => {
    const started = await call<{ data: { session_id: string } }>(
      'POST',
      '/accounts/classifications/actions/auto-classify',
      {},
    );
    expect(started.status).toBe(202);
    expect(await waitForSession(started.body.data.session_id)).toBe('completed');
    return started.body.data.session_id;
  };
  /** Every ledger row matching `query`, all pages. */
  const ledger = async (query: string): Promise<Row[]> => {
    const rows: Row[] = [];
    for (let page = 1; ; page++) {
      const res = await call<Page<Row>>('GET', `/accounts/ledgers?${query}&page=${page}&limit=100`);
      expect(res.status).toBe(200);
      rows.push(...res.body.data);
      if (res.body.data.length < 200) return rows;
    }
  };
  const ours = (rows: Row[]) =>
    rows
      .filter((r) => r.username.startsWith(p))
      .map((r) => r.username)
      .sort();
  const classesOf = async (username: string) =>
    (await ledger(`search=${username}`))
      .find((r) => r.username === username)
      ?.classifications?.map((c) => c.name)
      .sort();

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: maria.url! });
    await createCollector(root, collector.user, collector.password);
    const user = (name: string, extra = '') =>
      root.query(`CREATE USER ?@'%' IDENTIFIED BY 'Pw-${p}-1' ${extra}`, [`${p}_${name}`]);
    await user('all');
    await root.query(`GRANT ALL PRIVILEGES ON *.* TO ?@'%' WITH GRANT OPTION`, [`${p}_all`]);
    await user('super');
    await root.query(`GRANT SUPER ON *.* TO ?@'%'`, [`${p}_super`]);
    await user('sel');
    await root.query(`GRANT SELECT ON mysql.db TO ?@'%'`, [`${p}_sel`]);
    await user('locked', 'ACCOUNT LOCK');

    admin = new pg.Client({ connectionString: postgres.url! });
    await admin.connect();
    await admin.query(`CREATE ROLE ${p}_pgcol LOGIN PASSWORD 'Pw-${p}-1'`);
    await admin.query(`CREATE ROLE ${p}_pgsu SUPERUSER LOGIN`);
    await admin.query(`CREATE ROLE ${p}_pgcr CREATEROLE LOGIN`);
    await admin.query(`CREATE ROLE ${p}_pgsel LOGIN`);
    await admin.query(`CREATE ROLE ${p}_pgnologin NOLOGIN`);

    api = await startApiServer();
    token = await api.adminToken();
    ids.maria = await registerCollector(api, token, `${p}-maria`, maria.url!, collector);
    const pgUrl = new URL(postgres.url!);
    const cred = await call<{ data: { id: string } }>('POST', '/credentials', {
      name: `${p}-pg`,
      db_type: 'postgresql',
      username: `${p}_pgcol`,
      password: `Pw-${p}-1`,
    });
    ids.pg = (
      await call<{ data: { id: string } }>('POST', '/instances', {
        name: `${p}-pg`,
        db_type: 'postgresql',
        host: pgUrl.hostname,
        port: Number(pgUrl.port || 5432),
        database_name: 'postgres',
        credential_id: cred.body.data.id,
      })
    ).body.data.id;
  }, 60_000);
  afterAll(async () => {
    await api?.stop();
    if (root) {
      await dropCollector(root, collector.user);
      for (const n of ['all', 'super', 'sel', 'locked'])
        await root.query(`DROP USER IF EXISTS ?@'%'`, [`${p}_${n}`]);
      await root.end();
    }
    if (admin) {
      for (const n of ['pgcol', 'pgsu', 'pgcr', 'pgsel', 'pgnologin'])
        await admin.query(`DROP ROLE IF EXISTS ${p}_${n}`);
      await admin.end();
    }
  });

  it('after one sync and one classify call, the accounts are in the system classifications', async () => {
    for (const id of [ids.maria!, ids.pg!])
      expect(await waitForSession(await syncAccountsAndWait(api, token, id))).toBe('completed');
    const run = await classify();

    expect(await classesOf(`${p}_all@%`)).toEqual(['grant admin', 'super user']);
    expect(await classesOf(`${p}_super@%`)).toEqual(['super user']);
    expect(await classesOf(`${p}_sel@%`)).toEqual([]);
    expect(await classesOf(`${p}_locked@%`)).toEqual(['locked accounts']);
    expect(await classesOf(`${p}_pgsu`)).toEqual(['grant admin', 'super user']);
    expect(await classesOf(`${p}_pgcr`)).toEqual(['grant admin']);
    expect(await classesOf(`${p}_pgsel`)).toEqual([]);
    expect(await classesOf(`${p}_pgnologin`)).toEqual(['locked accounts']);

    // risk_level=high: exactly the accounts holding SUPERUSER or GRANT_ADMIN, over the whole ledger.
    const high = (await ledger('risk_level=high')).map((r) => r.id).sort();
    const privileged = [
      ...new Set(
        [...(await ledger('capability=SUPERUSER')), ...(await ledger('capability=GRANT_ADMIN'))].map(
          (r) => r.id,
        ),
      ),
    ].sort();
    expect(high).toEqual(privileged);
    expect(ours(await ledger('risk_level=high'))).toEqual(
      [`${p}_all@%`, `${p}_pgcr`, `${p}_pgsu`, `${p}_super@%`].sort(),
    );

    const events = await call<{ data: { type: string }[] }>('GET', `/sync-sessions/${run}/events`);
    expect(events.body.data.map((e) => e.type)).toContain('AssignmentsChanged');
  });

  it('a rule edited and run again changes the assignments by a diff; as-of before the edit names the old version', async () => {
    const rules = await call<
      Page<{ id: string; db_type: string; version: number; classification_id: string }>
    >('GET', '/accounts/classifications/rules?db_type=mysql&limit=100');
    const classes = await call<{ data: { id: string; name: string }[] }>('GET', '/accounts/classifications');
    const grantAdmin = classes.body.data.find((c) => c.name === 'grant admin')!;
    const rule = rules.body.data.find((r) => r.classification_id === grantAdmin.id)!;
    const account = (await ledger(`search=${p}_all`)).find((r) => r.username === `${p}_all@%`)!;
    const beforeEdit = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 50));

    const edited = await call<{ data: { version: number } }>(
      'PUT',
      `/accounts/classifications/rules/${rule.id}`,
      {
        expression: {
          version: 4,
          expr: {
            op: 'AND',
            args: [
              { fn: 'has_capability', args: { name: 'GRANT_ADMIN' } },
              { op: 'NOT', args: [{ fn: 'is_superuser', args: {} }] },
            ],
          },
        },
      },
    );
    expect(edited.status).toBe(200);
    expect(edited.body.data.version).toBe(rule.version + 1);
    const run = await classify();

    expect(await classesOf(`${p}_all@%`)).toEqual(['super user']);
    const events = await call<{
      data: { type: string; data: { removed: { username: string; reason: string }[] } }[];
    }>('GET', `/sync-sessions/${run}/events`);
    const diff = events.body.data
      .filter((e) => e.type === 'AssignmentsChanged')
      .flatMap((e) => e.data.removed);
    expect(diff).toContainEqual(
      expect.objectContaining({ username: `${p}_all@%`, reason: 'no_longer_matches' }),
    );

    const asOf = await call<{ data: { items: { name: string; rule_version: number | null }[] } }>(
      'GET',
      `/accounts/ledgers/${account.id}/classifications?as_of=${encodeURIComponent(beforeEdit)}`,
    );
    expect(asOf.body.data.items).toContainEqual(
      expect.objectContaining({ name: 'grant admin', rule_version: rule.version }),
    );
    const now = await call<{ data: { items: { name: string }[] } }>(
      'GET',
      `/accounts/ledgers/${account.id}/classifications`,
    );
    expect(now.body.data.items.map((i) => i.name)).toEqual(['super user']);
  });

  it('whalefall classify --instance NAME runs a session in the terminal; unchanged facts append nothing', async () => {
    const run = await runCliToEnd(['classify', '--instance', `${p}-maria`], {
      DATABASE_URL: api.db.url,
      WHALEFALL_SECRET_KEY: TEST_SECRET_KEY,
    });
    expect(run.stderr).not.toMatch(/error|\n\s+at /i);
    expect(run.code).toBe(0);
    const session = /session ([0-9a-f-]{36}): completed/.exec(run.stdout)?.[1];
    expect(session).toBeDefined();
    const events = await call<{ data: { type: string }[] }>('GET', `/sync-sessions/${session}/events`);
    expect(events.body.data.map((e) => e.type)).not.toContain('AssignmentsChanged');
  });
});
