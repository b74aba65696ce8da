// The dashboard API on the built server with real data: the local MariaDB and an instance nobody listens
// for registered, an account sync of both (one record fails: a partial session), a capacity collection and
// a daily aggregation. Each figure of the overview, the charts, the activities, the status and the core
// metrics is checked against the list or table it summarises (the ledger's filters, GET /sync-sessions,
// the size stats), and a viewer reads them without the audit events.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../support/apiServer.js';
import { registerCollector } from '../support/apiInstances.js';
import { createCollector, dropCollector } from '../support/mariadbCollector.js';
import { mysqlService, titled } from '../support/services.js';

const service = mysqlService();
const p = `wfd_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };

type Row = Record<string, unknown>;
type Series = { name: string; unit?: string; points: { t: string; v: number | null }[] };

describe.skipIf(!service.url)(titled('the dashboard API', service), () => {
  let api: ApiServer;
  let token: string;
  let viewer: string;
  let root: mysql.Connection;
  const ids = { maria: '', dead: '', accounts: '', capacity: '' };
  const today = new Date().toISOString().slice(0, 10); // the server's zone is UTC
  const get = async <T = Row>(path: string, as = token) => {
    const res = await api.call<{ data: T; meta?: { total: number } }>('GET', path, { token: as });
    expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
    return res.body;
  };
  const waitForSession = async (id: string) => {
    for (const deadline = Date.now() + 60_000; ;) {
      if ((await get<{ status: string }>(`/sync-sessions/${id}`)).data.status !== 'running') return;
      if (Date.now() > deadline) throw new Error(`session ${id} still running after 60 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: service.url!, multipleStatements: true });
    await createCollector(root, collector.user, collector.password);
    await root.query(
      `CREATE DATABASE \`${p}_db\`; CREATE TABLE \`${p}_db\`.t (id INT PRIMARY KEY, v TEXT); INSERT INTO \`${p}_db\`.t VALUES (1, 'x')`,
    );
    api = await startApiServer();
    token = await api.adminToken();
    viewer = await api.userToken('viewer');
    ids.maria = await registerCollector(api, token, `${p}-maria`, service.url!, collector);
    // Nothing listens on port 1: its record fails, so the account sync is partial.
    ids.dead = await registerCollector(api, token, `${p}-dead`, service.url!, collector, {
      host: '127.0.0.1',
      port: 1,
    });
    const post = async (path: string, body: unknown) => {
      const res = await api.call<{ data: Row }>('POST', path, { token, body });
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
      return res.body.data;
    };
    ids.accounts = (await post('/instances/actions/sync-accounts', { instance_ids: [ids.maria, ids.dead] }))
      .session_id as string;
    await waitForSession(ids.accounts);
    ids.capacity = (await post('/capacity/actions/collect', { instance_ids: [ids.maria] }))
      .session_id as string;
    await waitForSession(ids.capacity);
    const aggregated = await post('/capacity/aggregations/current', { period_types: ['daily'] });
    for (const id of aggregated.session_ids as string[]) await waitForSession(id);
  });
  afterAll(async () => {
    await api?.stop();
    if (!root) return;
    await dropCollector(root, collector.user);
    await root.query(`DROP DATABASE IF EXISTS \`${p}_db\``);
    await root.end();
  });

  it('the overview: instances, sessions, accounts, size, lag, next runs, attention', async () => {
    const { data } = await get<Row & Record<string, Row>>('/dashboard/overview');
    expect(data.instances).toMatchObject({ total: 2, active: 2, deleted: 0, by_db_type: { mysql: 2 } });
    const sessions = (await get<{ session_id: string; status: string }[]>('/sync-sessions?limit=100')).data;
    const counted: Record<string, number> = {};
    for (const s of sessions) counted[s.status] = (counted[s.status] ?? 0) + 1;
    expect(data.sessions_24h).toMatchObject({
      total: sessions.length,
      by_status: { running: 0, ...counted },
    });
    expect(sessions.find((s) => s.session_id === ids.accounts)!.status).toBe('partial');

    // Each account figure is the total of the ledger list it links to.
    const total = async (query: string) => (await get(`/accounts/ledgers?limit=1&${query}`)).meta!.total;
    expect(data.accounts).toEqual({
      active: await total(''),
      superuser: await total('capability=SUPERUSER'),
      grant_admin: await total('capability=GRANT_ADMIN'),
      locked: await total('locked=true'),
    });
    expect((data.accounts as { superuser: number }).superuser).toBeGreaterThan(0); // root

    const stats = await api.db.knex('instance_size_stats').where({ instance_id: ids.maria }).first();
    const size = Number(stats.total_size_mb);
    expect(size).toBeGreaterThan(0);
    expect(data.capacity).toMatchObject({
      total_size_mb: size,
      instances: 1,
      latest_collected_date: today,
      // Nothing was collected 30 days ago: all of it is growth.
      growth: { days: 30, total_size_mb_then: 0, change_mb: size, change_percent: null },
    });

    const lag = data.projections as unknown as { name: string; running: boolean; lag_events: number }[];
    expect(lag.map((l) => l.name)).toContain('sync_sessions');
    expect(lag.every((l) => l.running)).toBe(true);
    const runs = data.next_runs as unknown as { job_id: string; next_run: string }[];
    expect(runs.map((r) => r.job_id).sort()).toEqual(
      (await get<{ id: string }[]>('/scheduler/jobs')).data.map((j) => j.id).sort(),
    );
    expect(runs.map((r) => r.next_run)).toEqual(runs.map((r) => r.next_run).sort());

    // Every failed or partial session, newest first (the aggregation is partial too: the dead instance
    // has no stats); the account sync's names the record that failed.
    const attention = data.attention as unknown as { session_id: string }[];
    expect(attention.map((a) => a.session_id)).toEqual(
      sessions.filter((s) => ['failed', 'partial'].includes(s.status)).map((s) => s.session_id),
    );
    expect(attention.find((a) => a.session_id === ids.accounts)).toMatchObject({
      status: 'partial',
      sync_category: 'account',
      failed_records: 1,
      first_error: {
        instance_id: ids.dead,
        instance_name: `${p}-dead`,
        error_code: 'DATABASE_CONNECTION_ERROR',
        error_message: expect.stringContaining('ECONNREFUSED'),
      },
    });
  });

  it('the charts: one point per day, sessions by outcome and the total size', async () => {
    const { data } = await get<{ days: number; from: string; to: string; series: Series[] }>(
      '/dashboard/charts?days=3',
    );
    expect(data).toMatchObject({ days: 3, to: today });
    expect(data.series.map((s) => s.name)).toEqual([
      'sessions_running',
      'sessions_completed',
      'sessions_partial',
      'sessions_failed',
      'sessions_cancelled',
      'total_size_mb',
    ]);
    for (const s of data.series) expect(s.points.map((x) => x.t)).toHaveLength(3);
    const last = (name: string) => data.series.find((s) => s.name === name)!.points.at(-1)!;
    const sessions = (await get<{ status: string }[]>('/sync-sessions?limit=100')).data;
    expect(last('sessions_completed')).toEqual({
      t: today,
      v: sessions.filter((s) => s.status === 'completed').length,
    });
    expect(last('sessions_partial').v).toBe(sessions.filter((s) => s.status === 'partial').length);
    const size = Number((await api.db.knex('instance_size_stats').sum({ mb: 'total_size_mb' }).first())!.mb);
    expect(last('total_size_mb')).toEqual({ t: today, v: size });
    // The days before: nothing collected (null), no session (0).
    expect(data.series.find((s) => s.name === 'total_size_mb')!.points[0]!.v).toBeNull();
    expect(data.series.find((s) => s.name === 'sessions_completed')!.points[0]!.v).toBe(0);

    expect(
      (await get<{ days: number; series: Series[] }>('/dashboard/charts')).data.series[0]!.points,
    ).toHaveLength(14);
    const tooMany = await api.call('GET', '/dashboard/charts?days=91', { token });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ message_code: 'VALIDATION_ERROR' });
  });

  it('the activities: the latest sessions with progress; audit events for an admin only', async () => {
    const admin = (await get<{ sessions: Row[]; audit_events?: { type: string }[] }>('/dashboard/activities'))
      .data;
    const listed = (await get<Row[]>('/sync-sessions?limit=20')).data;
    expect(admin.sessions.map((s) => s.session_id)).toEqual(listed.map((s) => s.session_id));
    expect(admin.sessions.find((s) => s.session_id === ids.accounts)).toMatchObject({
      status: 'partial',
      progress: { total: 2, completed: 1, failed: 1, pending: 0, running: 0 },
    });
    expect(admin.audit_events!.map((e) => e.type)).toContain('LoginSucceeded');
    const audit = (await get<{ event_id: string }[]>('/audit/events?limit=20')).data;
    expect(admin.audit_events!.map((e) => (e as unknown as { event_id: string }).event_id)).toEqual(
      audit.map((e) => e.event_id),
    );

    const viewed = (await get<Row>('/dashboard/activities', viewer)).data;
    expect(Object.keys(viewed)).toEqual(['sessions']);
    expect(viewed.sessions).toEqual(admin.sessions);
  });

  it('the status: health, lag and the scheduler (off in this process)', async () => {
    const { data } = await get<Row & { scheduler: { enabled: boolean; jobs: { id: string }[] } }>(
      '/dashboard/status',
    );
    expect(data).toMatchObject({
      status: 'ok',
      reasons: [],
      database: { ok: true },
      event_store: { ok: true },
      migrations: { ok: true, pending: [], unknown: [] },
    });
    expect(data.scheduler.enabled).toBe(false);
    expect(data.scheduler.jobs.map((j) => j.id)).toEqual(
      (await get<{ id: string }[]>('/scheduler/jobs')).data.map((j) => j.id),
    );
  });

  it('the core metrics: collected instances and databases, aggregation rows, rows per table', async () => {
    const { data } = await get<{
      from: string;
      to: string;
      series: Series[];
      by_period_type: { period_type: string; instance: Row; database: Row }[];
      tables: { table: string; rows: number }[];
    }>('/partitions/aggregations/core-metrics?periods=3');
    expect(data).toMatchObject({ to: today, period_type: 'daily' });
    const today_ = (name: string) => data.series.find((s) => s.name === name)!.points.at(-1);
    const databases = Number(
      (await api.db.knex('database_size_stats').count({ n: '*' }).where({ collected_date: today }).first())!
        .n,
    );
    expect(databases).toBeGreaterThan(0);
    expect(today_('instances_collected')).toEqual({ t: today, v: 1 });
    expect(today_('databases_collected')).toEqual({ t: today, v: databases });
    expect(today_('instance_aggregations')).toEqual({ t: today, v: 1 });
    expect(today_('database_aggregations')).toEqual({ t: today, v: databases });
    expect(data.series[0]!.points).toHaveLength(3);
    expect(data.by_period_type.find((x) => x.period_type === 'daily')).toEqual({
      period_type: 'daily',
      instance: { rows: 1, partial_rows: 1, latest_period_start: today },
      database: { rows: databases, partial_rows: databases, latest_period_start: today },
    });
    expect(data.by_period_type.find((x) => x.period_type === 'monthly')!.instance).toEqual({
      rows: 0,
      partial_rows: 0,
      latest_period_start: null,
    });
    expect(data.tables.find((t) => t.table === 'instance_size_stats')!.rows).toBe(1);

    // Weekly: each point is a Monday; this week holds today's stats.
    const weekly = (
      await get<{ series: Series[] }>('/partitions/aggregations/core-metrics?period_type=weekly')
    ).data;
    const points = weekly.series.find((s) => s.name === 'instances_collected')!.points;
    expect(points).toHaveLength(7);
    expect(points.every((x) => new Date(`${x.t}T00:00:00Z`).getUTCDay() === 1)).toBe(true);
    expect(points.at(-1)!.v).toBe(1);
  });

  it('a viewer reads every dashboard route; without credentials each is 401', async () => {
    for (const path of [
      '/dashboard/overview',
      '/dashboard/charts',
      '/dashboard/activities',
      '/dashboard/status',
      '/partitions/aggregations/core-metrics',
    ]) {
      await get(path, viewer);
      const anonymous = await api.call('GET', path);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toMatchObject({ message_code: 'AUTHENTICATION_REQUIRED' });
    }
  });
});
