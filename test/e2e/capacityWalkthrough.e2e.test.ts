// Capacity as a new user meets it, over HTTP only: register the local MariaDB and PostgreSQL (each with a
// least-privilege collector and databases of a known size made here), collect both with one call, read
// each database's size, aggregate yesterday, this week so far and last month, read the aggregations; then
// stop the server and check that `whalefall rebuild` gives back exactly the read tables the live run built.
// The stats are collected today, so the completed periods have none: they must say so (defect 8), and
// say that nothing was computed; a period_start in the future or before the first stat makes no session;
// `scope` (the reference's field) runs one level under the same coverage. Defects: docs/defects.md.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextPeriod, periodContaining, previousPeriod } from '../../src/domain/periods/periods.js';
import { startApiServer, TEST_SECRET_KEY, type ApiServer } from '../support/apiServer.js';
import { createCollector, dropCollector } from '../support/mariadbCollector.js';
import {
  createLoadedDatabase,
  createPostgresCollector,
  dropDatabases,
  dropPostgresCollector,
  MB,
  ROW_PAYLOAD_BYTES,
} from '../support/postgresCollector.js';
import { dumpTables } from '../support/readTables.js';
import { runCli } from '../support/serverProcess.js';
import { monitoredPostgresService, mysqlService, titled, type ServiceStatus } from '../support/services.js';

const maria = mysqlService();
const postgres = monitoredPostgresService();
const both: ServiceStatus = { url: maria.url && postgres.url, reason: maria.reason ?? postgres.reason };
const p = `wfw_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };
const MARIA_ROWS = { [`${p}_m1`]: 20_000, [`${p}_m2`]: 2_000 };
const PG_ROWS = { [`${p}_p1`]: 50_000, [`${p}_p2`]: 10_000 };
const READ_TABLES = [
  'sync_sessions',
  'sync_instance_records',
  'instance_databases',
  'database_size_stats',
  'instance_size_stats',
  'database_size_aggregations',
  'instance_size_aggregations',
] as const;

type Row = Record<string, unknown>;
type Aggregation = {
  period: { type: string; start: string };
  scope: string;
  partial: boolean;
  computed: boolean;
  included: string[];
  missing: string[];
};

describe.skipIf(!both.url)(titled('capacity walkthrough of a new user, then rebuild', both), () => {
  let api: ApiServer;
  let token: string;
  let root: mysql.Connection;
  let admin: pg.Client;
  const ids = { maria: '', postgres: '' };
  let today = '';
  const call = <T = { data: Row }>(method: string, path: string, body?: unknown) =>
    api.call<T>(method, path, { token, body });
  /** Every row of a paged list. */
  const all = async (path: string): Promise<Row[]> => {
    const rows: Row[] = [];
    for (let page = 1; ; page++) {
      const res = await call<{ data: Row[]; meta: { pages: number } }>(
        'GET',
        `${path}&limit=100&page=${page}`,
      );
      expect(res.status).toBe(200);
      rows.push(...res.body.data);
      if (page >= res.body.meta.pages) return rows;
    }
  };
  const register = async (name: 'maria' | 'postgres', dbType: string, url: string, defaultPort: number) => {
    const cred = await call('POST', '/credentials', {
      name,
      db_type: dbType,
      username: collector.user,
      password: collector.password,
    });
    expect(cred.status).toBe(201);
    const { hostname, port } = new URL(url);
    const inst = await call('POST', '/instances', {
      name,
      db_type: dbType,
      host: hostname,
      port: Number(port || defaultPort),
      credential_id: cred.body.data.id,
    });
    expect(inst.status).toBe(201);
    ids[name] = inst.body.data.id as string;
  };

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: maria.url! });
    await createCollector(root, collector.user, collector.password);
    for (const [db, rows] of Object.entries(MARIA_ROWS)) {
      await root.query(`CREATE DATABASE \`${db}\``);
      await root.query(`CREATE TABLE \`${db}\`.items (id INT PRIMARY KEY, label CHAR(200) NOT NULL)`);
      await root.query(`INSERT INTO \`${db}\`.items SELECT seq, REPEAT('x', 200) FROM seq_1_to_${rows}`);
      await root.query(`ANALYZE TABLE \`${db}\`.items`);
    }
    admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await createPostgresCollector(admin, collector.user, collector.password);
    for (const [db, rows] of Object.entries(PG_ROWS)) await createLoadedDatabase(postgres.url!, db, rows);

    api = await startApiServer();
    token = await api.adminToken();
    await register('maria', 'mysql', maria.url!, 3306);
    await register('postgres', 'postgresql', postgres.url!, 5432);
  });
  afterAll(async () => {
    await api?.stop();
    if (root) {
      await dropCollector(root, collector.user);
      for (const db of Object.keys(MARIA_ROWS)) await root.query(`DROP DATABASE IF EXISTS \`${db}\``);
      await root.end();
    }
    if (admin) {
      await dropDatabases(postgres.url!, Object.keys(PG_ROWS));
      await dropPostgresCollector(admin, collector.user);
      await admin.end();
    }
  });

  it('collects both instances with one call; each database of the test shows its size', async () => {
    const started = await call<{ data: { session_id: string } }>('POST', '/capacity/actions/collect');
    expect(started.status).toBe(202);
    const sessionId = started.body.data.session_id;
    await expect
      .poll(async () => (await call('GET', `/sync-sessions/${sessionId}`)).body.data.status, {
        timeout: 60_000,
        interval: 250,
      })
      .not.toBe('running');
    expect((await call('GET', `/sync-sessions/${sessionId}`)).body.data).toMatchObject({
      status: 'completed',
      sync_category: 'capacity',
      sync_type: 'manual_batch',
      total_instances: 2,
      successful_instances: 2,
    });

    const sizeOf = async (instanceId: string, db: string) => {
      const rows = await all(`/databases/sizes?instance_id=${instanceId}&database=${db}`);
      expect(rows, `${db} has one daily size`).toHaveLength(1);
      today = rows[0]!.collected_date as string;
      return rows[0]!.size_mb as number;
    };
    const [m1, m2] = Object.keys(MARIA_ROWS);
    const mariaSizes = [await sizeOf(ids.maria, m1!), await sizeOf(ids.maria, m2!)];
    expect(mariaSizes[1]).toBeGreaterThan(0);
    expect(mariaSizes[0]).toBeGreaterThan(mariaSizes[1]!); // ten times the rows
    for (const [db, rows] of Object.entries(PG_ROWS))
      expect(await sizeOf(ids.postgres, db)).toBeGreaterThanOrEqual((rows * ROW_PAYLOAD_BYTES) / MB);
  });

  it('a period_start in the future or before the first stat is refused, and no session is created', async () => {
    const sessions = async () =>
      (await call<{ meta: { total: number } }>('GET', '/sync-sessions?category=aggregation')).body.meta.total;
    const before = await sessions();
    const tomorrow = nextPeriod(periodContaining('daily', today)).start;
    const lastWeek = previousPeriod(periodContaining('weekly', today)).start;
    for (const [body, context] of [
      [{ period_type: 'daily', period_start: tomorrow }, { today }],
      [{ period_type: 'daily', period_start: '9999-12-27' }, { today }],
      [{ period_type: 'weekly', period_start: lastWeek }, { earliestStat: today }],
    ] as const) {
      const res = await call<Row>('POST', '/capacity/aggregations', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({
        message_code: 'VALIDATION_ERROR',
        context: { field: 'period_start', ...context },
      });
    }
    const badScope = await call<Row>('POST', '/capacity/aggregations/current', { scope: 'tables' });
    expect(badScope.status).toBe(400);
    expect(JSON.stringify(badScope.body)).toContain('body.scope');
    expect(await sessions()).toBe(before);
  });

  it('yesterday and last month have no stats: partial, both instances missing (defect 8), nothing computed', async () => {
    const instances = [ids.maria, ids.postgres].sort();
    for (const periodType of ['daily', 'monthly'] as const) {
      const res = await call<{ data: Aggregation & { session_id: string }; message: string }>(
        'POST',
        '/capacity/aggregations',
        { period_type: periodType },
      );
      expect(res.status).toBe(200);
      const expected = previousPeriod(periodContaining(periodType, today));
      expect(res.body.data.period).toMatchObject({
        type: periodType,
        start: expected.start,
        end: expected.end,
      });
      expect(res.body.data).toMatchObject({ scope: 'all', partial: true, computed: false, included: [] });
      expect(res.body.message).toMatch(/nothing computed: no instance had size stats in the period$/);
      expect([...res.body.data.missing].sort()).toEqual(instances);
      const session = await call('GET', `/sync-sessions/${res.body.data.session_id}`);
      expect(session.body.data).toMatchObject({ status: 'failed', failed_instances: 2 });
      const rows = await all(`/capacity/instances?period_type=${periodType}`);
      expect(rows).toEqual([]);
    }
  });

  it('this week so far: both instances, marked partial, averages equal to the sizes collected', async () => {
    const res = await call<{ data: { aggregations: Aggregation[] } }>(
      'POST',
      '/capacity/aggregations/current',
      {
        period_types: ['weekly'],
      },
    );
    expect(res.status).toBe(200);
    const week = periodContaining('weekly', today);
    expect(res.body.data.aggregations).toHaveLength(1);
    const [weekly] = res.body.data.aggregations;
    expect(weekly).toMatchObject({
      period: { type: 'weekly', start: week.start },
      partial: true,
      missing: [],
    });
    expect([...weekly!.included].sort()).toEqual([ids.maria, ids.postgres].sort());

    const inWeek = `period_type=weekly&start_date=${week.start}&end_date=${week.start}`;
    for (const [instanceId, names] of [
      [ids.maria, Object.keys(MARIA_ROWS)],
      [ids.postgres, Object.keys(PG_ROWS)],
    ] as const) {
      const sizes = await all(
        `/databases/sizes?instance_id=${instanceId}&start_date=${today}&end_date=${today}`,
      );
      const total = sizes.reduce((s, r) => s + (r.size_mb as number), 0);
      const [row, ...more] = await all(`/capacity/instances?${inWeek}&instance_id=${instanceId}`);
      expect(more).toEqual([]);
      // The first week collected has nothing to compare with: no change, and no trend (not `stable`).
      expect(row).toMatchObject({
        period_start: week.start,
        is_partial: true,
        data_count: 1,
        total_size_change_percent: null,
        trend_direction: null,
      });
      expect(row!.avg_total_size_mb).toBeCloseTo(total, 3);
      for (const name of names) {
        const dbRows = await all(`/capacity/databases?${inWeek}&instance_id=${instanceId}&database=${name}`);
        expect(dbRows).toHaveLength(1);
        expect(dbRows[0]).toMatchObject({
          is_partial: true,
          avg_size_mb: sizes.find((s) => s.database_name === name)!.size_mb,
        });
      }
    }
    const summary = await call('GET', '/capacity/instances/summary?period_type=weekly');
    expect(summary.body.data).toMatchObject({ period_start: week.start, count: 2, partial: true });
  });

  it("/current takes the reference's scope: one level, the instance without stats still missing", async () => {
    // An instance nobody collected: every run lists it as missing, whichever level it computes.
    const silent = await call('POST', '/instances', {
      name: 'silent',
      db_type: 'mysql',
      host: '127.0.0.1',
      port: 1,
    });
    expect(silent.status).toBe(201);
    const silentId = silent.body.data.id as string;
    const week = periodContaining('weekly', today);
    const inWeek = `period_type=weekly&start_date=${week.start}&end_date=${week.start}`;
    const calculated = async () => ({
      instance: (await all(`/capacity/instances?${inWeek}`)).map((r) => r.calculated_at).sort(),
      database: [...new Set((await all(`/capacity/databases?${inWeek}`)).map((r) => r.calculated_at))],
    });
    let last = await calculated();
    for (const scope of ['database', 'instance'] as const) {
      const res = await call<{
        data: { aggregations: (Aggregation & { session_id: string })[] };
        message: string;
      }>('POST', '/capacity/aggregations/current', { period_types: ['weekly'], scope });
      expect(res.status, scope).toBe(200);
      const [weekly] = res.body.data.aggregations;
      expect(weekly).toMatchObject({ scope, computed: true, partial: true, missing: [silentId] });
      expect([...weekly!.included].sort()).toEqual([ids.maria, ids.postgres].sort());
      expect(res.body.message).toContain(`(${scope} level)`);
      const session = await call('GET', `/sync-sessions/${weekly!.session_id}`);
      expect(session.body.data).toMatchObject({
        status: 'partial',
        successful_instances: 2,
        failed_instances: 1,
      });
      // Only the scope's level was written again; the other keeps its last run's rows.
      const now = await calculated();
      expect(now.instance.length, 'no instance row for the missing one').toBe(2);
      if (scope === 'database') {
        expect(now.instance).toEqual(last.instance);
        expect(now.database).not.toEqual(last.database);
      } else {
        expect(now.database).toEqual(last.database);
        expect(now.instance).not.toEqual(last.instance);
      }
      last = now;
    }
  });

  it('after the server stops, `whalefall rebuild` gives back exactly the live read tables', async () => {
    expect(await api.server.stop('SIGTERM')).toBe(0);
    const live = await dumpTables(api.db.knex, READ_TABLES);
    for (const table of READ_TABLES) expect(live[table], `${table} has rows`).not.toEqual([]);
    const out = await runCli(['rebuild'], {
      DATABASE_URL: api.db.url,
      WHALEFALL_SECRET_KEY: TEST_SECRET_KEY,
      LOG_LEVEL: 'warn',
    });
    for (const name of ['sync_sessions', 'capacity', 'aggregations'])
      expect(out).toMatch(new RegExp(`^${name}: rebuilt from \\d+ events`, 'm'));
    expect(await dumpTables(api.db.knex, READ_TABLES)).toEqual(live);
  });
});
