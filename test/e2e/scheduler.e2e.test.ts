// The scheduler over HTTP as a new user meets it, on the built server (scheduler on, pg-boss in the test
// database's `pgboss` schema) with the local MariaDB and PostgreSQL registered through least-privilege
// collectors: GET /scheduler/jobs lists the six built-in jobs with their next run; a bad cron is
// VALIDATION_ERROR naming it; a new cron and zone moves the next run and pg-boss's schedule row; pause
// empties next_run and removes the row, resume brings both back; run now on sync_accounts answers 202 with
// a session id, and that session is a scheduled_task with one record per active instance, in the job's
// history with its outcome once ended; a second run while one is going (an instance that never answers
// keeps it going) is JOB_RUNNING; reload, dead letters, delete refused (405); reads for a viewer, writes for
// admins only, nothing without credentials.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer, type CallResult } from '../support/apiServer.js';
import { useFakePeers } from '../support/fakePeers.js';
import { createCollector, dropCollector } from '../support/mariadbCollector.js';
import { createPostgresCollector, dropPostgresCollector } from '../support/postgresCollector.js';
import { monitoredPostgresService, mysqlService, titled, type ServiceStatus } from '../support/services.js';

const maria = mysqlService();
const postgres = monitoredPostgresService();
const both: ServiceStatus = { url: maria.url && postgres.url, reason: maria.reason ?? postgres.reason };
const p = `wfs_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };

const builtIn = [
  'partition_maintenance',
  'sync_accounts',
  'classify_accounts',
  'collect_database_sizes',
  'calculate_database_aggregations',
  'cleanup',
];

type Row = Record<string, unknown>;
type LastRun = { run_id: string; outcome: string; session_id: string | null; ended_at: string | null };
type Job = Row & {
  id: string;
  cron: string;
  timezone: string;
  paused: boolean;
  next_run: string | null;
  last_run: LastRun | null;
};
type ErrorBody = { message_code: string; message: string; recoverable: boolean; context?: Row };

/** The first instant after `from` whose UTC time is hh:mm (a daily tick in a zone without DST). */
const nextUtc = (from: Date, hh: number, mm: number) => {
  const t = new Date(from);
  t.setUTCHours(hh, mm, 0, 0);
  if (t.getTime() <= from.getTime()) t.setUTCDate(t.getUTCDate() + 1);
  return t.toISOString();
};

/**
 * A daily cron half a day from now (UTC): sync_accounts moves to it once the cron tests are done, so no
 * real tick (23:15 in Shanghai is 15:15 UTC) runs into the run-now tests.
 */
const far = `0 ${(new Date().getUTCHours() + 12) % 24} * * *`;

describe.skipIf(!both.url)(titled('the scheduler over HTTP, as a new user', both), () => {
  const peers = useFakePeers();
  let api: ApiServer;
  let token: string;
  let root: mysql.Connection;
  let admin: pg.Client;
  const ids: Record<string, string> = {};

  const call = <T = { data: Row }>(method: string, path: string, body?: unknown): Promise<CallResult<T>> =>
    api.call<T>(method, path, { token, body });
  const getJob = async (id: string) => {
    const res = await call<{ data: Job }>('GET', `/scheduler/jobs/${id}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data;
  };
  /** pg-boss's cron row of a job (undefined: not scheduled). */
  const bossSchedule = (id: string) =>
    api.db
      .knex('pgboss.schedule')
      .where({ name: `whalefall-job-${id}` })
      .first<{ cron: string; timezone: string } | undefined>('cron', 'timezone');
  const waitForSession = async (id: string) => {
    await expect
      .poll(async () => (await call('GET', `/sync-sessions/${id}`)).body.data?.status, { timeout: 60_000 })
      .toMatch(/^(completed|partial|failed|cancelled)$/);
    return (await call<{ data: Row & { records: Row[] } }>('GET', `/sync-sessions/${id}`)).body.data;
  };
  const register = async (name: string, dbType: string, host: string, port: number) => {
    const cred = await call('POST', '/credentials', {
      name,
      db_type: dbType,
      username: collector.user,
      password: collector.password,
    });
    expect(cred.status, JSON.stringify(cred.body)).toBe(201);
    const inst = await call('POST', '/instances', {
      name,
      db_type: dbType,
      host,
      port,
      credential_id: cred.body.data.id,
    });
    expect(inst.status, JSON.stringify(inst.body)).toBe(201);
    ids[name] = inst.body.data.id as string;
  };

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: maria.url! });
    await createCollector(root, collector.user, collector.password);
    admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await createPostgresCollector(admin, collector.user, collector.password);
    // A record that never answers is failed at the deadline: the slow run of the JOB_RUNNING case.
    api = await startApiServer({ SYNC_INSTANCE_DEADLINE_MS: '6000', WHALEFALL_SCHEDULER: 'on' });
    token = await api.adminToken();
    const m = new URL(maria.url!);
    const g = new URL(postgres.url!);
    await register(`${p}-maria`, 'mysql', m.hostname, Number(m.port || 3306));
    await register(`${p}-postgres`, 'postgresql', g.hostname, Number(g.port || 5432));
  });
  afterAll(async () => {
    await api?.stop();
    if (root) {
      await dropCollector(root, collector.user);
      await root.end();
    }
    if (admin) {
      await dropPostgresCollector(admin, collector.user);
      await admin.end();
    }
  });

  it('lists the six built-in jobs, each with its description, schedule and next run', async () => {
    const before = new Date();
    const res = await call<{ data: Job[] }>('GET', '/scheduler/jobs');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.map((j) => j.id)).toEqual(builtIn);
    for (const job of res.body.data) {
      expect(job).toMatchObject({
        name: job.id,
        description: expect.stringMatching(/^[A-Z].{20,}/),
        timezone: 'UTC',
        paused: false,
        registered: true,
        last_run: null,
      });
      expect(job.cron).toBe(job.default_cron);
      expect(Date.parse(job.next_run!)).toBeGreaterThan(before.getTime());
    }
    const sync = res.body.data.find((j) => j.id === 'sync_accounts')!;
    expect(sync.cron).toBe('0 1 * * *');
    expect(sync.next_run).toBe(nextUtc(before, 1, 0));
    expect(await bossSchedule('sync_accounts')).toEqual({ cron: '0 1 * * *', timezone: 'UTC' });

    const unknown = await call<ErrorBody>('GET', '/scheduler/jobs/nightly_magic');
    expect([unknown.status, unknown.body.message_code]).toEqual([404, 'RESOURCE_NOT_FOUND']);
    expect(unknown.body.message).toContain('sync_accounts');
  });

  it('a bad cron or zone is VALIDATION_ERROR naming it; unknown fields are refused; nothing changes', async () => {
    const bad = await call<ErrorBody>('PUT', '/scheduler/jobs/sync_accounts', { cron: '61 25 * * *' });
    expect([bad.status, bad.body.message_code]).toEqual([400, 'VALIDATION_ERROR']);
    expect(bad.body.message).toContain("'61 25 * * *'");
    expect(bad.body.context).toMatchObject({ fields: [{ field: 'cron' }] });
    const fields = await call<ErrorBody>('PUT', '/scheduler/jobs/sync_accounts', { cron: '* * *' });
    expect(fields.body.message).toMatch(/'\* \* \*' has 3 field/);
    const zone = await call<ErrorBody>('PUT', '/scheduler/jobs/sync_accounts', {
      cron: '0 1 * * *',
      timezone: 'Mars/Olympus',
    });
    expect([zone.status, zone.body.message_code]).toEqual([400, 'VALIDATION_ERROR']);
    expect(zone.body.context).toMatchObject({ fields: [{ field: 'timezone' }] });
    const extra = await call<ErrorBody>('PUT', '/scheduler/jobs/sync_accounts', {
      cron: '0 2 * * *',
      retry_limit: 5,
    });
    expect([extra.status, extra.body.message_code]).toEqual([400, 'VALIDATION_ERROR']);
    expect(extra.body.context).toMatchObject({ fields: [{ unknown: ['retry_limit'] }] });
    expect((await getJob('sync_accounts')).cron).toBe('0 1 * * *');
    expect(await bossSchedule('sync_accounts')).toEqual({ cron: '0 1 * * *', timezone: 'UTC' });
  });

  it("a new cron and zone: the answer and a GET right after show it, the next run moves, pg-boss's row too", async () => {
    const before = new Date();
    const res = await call<{ data: Job; message: string }>('PUT', '/scheduler/jobs/sync_accounts', {
      cron: '15 23 * * *',
      timezone: 'Asia/Shanghai',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.message).toBe('schedule changed');
    // 23:15 in Shanghai (UTC+8, no DST) is 15:15 UTC.
    const next = [nextUtc(before, 15, 15), nextUtc(new Date(), 15, 15)];
    expect(res.body.data).toMatchObject({ cron: '15 23 * * *', timezone: 'Asia/Shanghai' });
    expect(next).toContain(res.body.data.next_run);
    const job = await getJob('sync_accounts');
    expect(job).toMatchObject({ cron: '15 23 * * *', timezone: 'Asia/Shanghai', default_cron: '0 1 * * *' });
    expect(next).toContain(job.next_run);
    expect(await bossSchedule('sync_accounts')).toEqual({ cron: '15 23 * * *', timezone: 'Asia/Shanghai' });

    // Without a zone the job keeps its own; the same schedule again changes nothing.
    const cronOnly = await call<{ data: Job }>('PUT', '/scheduler/jobs/sync_accounts', {
      cron: '30 22 * * *',
    });
    expect(cronOnly.body.data).toMatchObject({ cron: '30 22 * * *', timezone: 'Asia/Shanghai' });
    const back = await call<{ data: Job }>('PUT', '/scheduler/jobs/sync_accounts', { cron: '15 23 * * *' });
    expect(back.body.data.cron).toBe('15 23 * * *');
    const same = await call<{ message: string }>('PUT', '/scheduler/jobs/sync_accounts', {
      cron: '15 23 * * *',
      timezone: 'Asia/Shanghai',
    });
    expect([same.status, same.body.message]).toEqual([200, 'nothing to change: the job already was so']);
    // Each change is an event on the job's stream.
    const { rows } = await api.db.knex.raw<{ rows: { type: string; data: Row }[] }>(
      `SELECT type, data FROM events WHERE stream_id = 'scheduler-job-sync_accounts' ORDER BY global_position`,
    );
    expect(rows.map((r) => r.type)).toEqual([
      'JobRegistered',
      'JobScheduleChanged',
      'JobScheduleChanged',
      'JobScheduleChanged',
    ]);
    expect(rows[1]!.data).toMatchObject({ previous: { cron: '0 1 * * *', timezone: 'UTC' } });
  });

  it("pause: next_run null and pg-boss's row gone; resume brings both back", async () => {
    const paused = await call<{ data: Job }>('POST', '/scheduler/jobs/sync_accounts/actions/pause');
    expect(paused.status, JSON.stringify(paused.body)).toBe(200);
    expect(paused.body.data).toMatchObject({ paused: true, next_run: null });
    expect(await getJob('sync_accounts')).toMatchObject({ paused: true, next_run: null });
    expect(await bossSchedule('sync_accounts')).toBeUndefined();
    const list = await call<{ data: Job[] }>('GET', '/scheduler/jobs');
    expect(list.body.data.filter((j) => j.paused).map((j) => j.id)).toEqual(['sync_accounts']);

    const resumed = await call<{ data: Job }>('POST', '/scheduler/jobs/sync_accounts/actions/resume');
    expect(resumed.status, JSON.stringify(resumed.body)).toBe(200);
    expect(resumed.body.data).toMatchObject({ paused: false, cron: '15 23 * * *' });
    expect(Date.parse(resumed.body.data.next_run!)).toBeGreaterThan(Date.now());
    expect(await bossSchedule('sync_accounts')).toEqual({ cron: '15 23 * * *', timezone: 'Asia/Shanghai' });

    const moved = await call<{ data: Job }>('PUT', '/scheduler/jobs/sync_accounts', {
      cron: far,
      timezone: 'UTC',
    });
    expect(moved.body.data).toMatchObject({ cron: far, timezone: 'UTC', paused: false });
  });

  it('run now on sync_accounts: 202 with a session id; a scheduled_task with a record per active instance; the history shows it', async () => {
    const me = (await call('GET', '/auth/me')).body.data.id as string;
    const res = await call<{ data: { run_id: string; session_id: string } }>(
      'POST',
      '/scheduler/jobs/sync_accounts/actions/run',
    );
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const { run_id: runId, session_id: sessionId } = res.body.data;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);

    const session = await waitForSession(sessionId);
    expect(session).toMatchObject({
      session_id: sessionId,
      sync_type: 'scheduled_task',
      sync_category: 'account',
      status: 'completed',
      total_instances: 2,
      successful_instances: 2,
      // A person's run now: the session is started in their name (the job's JobTriggered names them too).
      created_by: me,
    });
    expect(session.records.map((r) => r.instance_id).sort()).toEqual(
      [ids[`${p}-maria`], ids[`${p}-postgres`]].sort(),
    );
    // The session's timeline (from its start) holds the run's end; the job's stream names who asked.
    // (The run records its end just after its session ended: poll.)
    await expect
      .poll(
        async () =>
          (
            await call<{ data: { type: string }[] }>('GET', `/sync-sessions/${sessionId}/events`)
          ).body.data.map((e) => e.type),
        { timeout: 10_000, interval: 100 },
      )
      .toEqual(expect.arrayContaining(['SessionStarted', 'SessionCompleted', 'JobRunEnded']));
    const { rows: runEvents } = await api.db.knex.raw<{ rows: { type: string; actor: Row }[] }>(
      `SELECT type, metadata->'actor' AS actor FROM events
       WHERE stream_id = 'scheduler-job-sync_accounts' AND metadata->>'sessionId' = ? ORDER BY global_position`,
      [sessionId],
    );
    expect(runEvents).toEqual(
      ['JobTriggered', 'JobRunStarted', 'JobRunEnded'].map((type) => ({
        type,
        actor: { kind: 'user', id: me },
      })),
    );

    // The run's end is recorded just after the session's.
    await expect
      .poll(async () => (await getJob('sync_accounts')).last_run?.outcome, { timeout: 20_000 })
      .toBe('completed');
    const job = await getJob('sync_accounts');
    expect(job.last_run).toMatchObject({
      run_id: runId,
      trigger: 'manual',
      tick_at: null,
      session_id: sessionId,
    });
    expect(Date.parse(job.last_run!.ended_at!)).toBeGreaterThanOrEqual(
      Date.parse(String(session.completed_at)),
    );

    const history = await call<{ data: Row[]; meta: { total: number } }>(
      'GET',
      '/scheduler/jobs/sync_accounts/runs',
    );
    expect(history.status, JSON.stringify(history.body)).toBe(200);
    expect(history.body.meta.total).toBe(1);
    expect(history.body.data[0]).toMatchObject({
      id: runId,
      kind: 'run',
      trigger: 'manual',
      session_id: sessionId,
      outcome: 'completed',
      attempt: 1,
      summary: { sessionId, counts: { total: 2, completed: 2, failed: 0 } },
    });
    const none = await call<{ data: Row[] }>('GET', '/scheduler/jobs/sync_accounts/runs?kind=skipped');
    expect(none.body.data).toEqual([]);
    const failed = await call<{ data: Row[] }>('GET', '/scheduler/jobs/sync_accounts/runs?outcome=failed');
    expect(failed.body.data).toEqual([]);
    const badFilter = await call<ErrorBody>('GET', '/scheduler/jobs/sync_accounts/runs?outcome=finished');
    expect([badFilter.status, badFilter.body.message_code]).toEqual([400, 'VALIDATION_ERROR']);
  });

  it('a second run while one is going is 409 JOB_RUNNING; after it ends, the history has its outcome', async () => {
    // An instance that accepts connections and never answers: the run holds the job until its deadline.
    await register(`${p}-silent`, 'mysql', '127.0.0.1', peers.silentPort());
    const first = await call<{ data: { run_id: string; session_id: string } }>(
      'POST',
      '/scheduler/jobs/sync_accounts/actions/run',
    );
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    const second = await call<ErrorBody>('POST', '/scheduler/jobs/sync_accounts/actions/run');
    expect([second.status, second.body.message_code]).toEqual([409, 'JOB_RUNNING']);
    expect(second.body.message).toContain('sync_accounts');
    expect(second.body.recoverable).toBe(true);
    // Another job is not held by it.
    const other = await call<{ data: { run_id: string; session_id: null } }>(
      'POST',
      '/scheduler/jobs/partition_maintenance/actions/run',
    );
    expect(other.status, JSON.stringify(other.body)).toBe(202);
    expect(other.body.data.session_id).toBeNull();

    const session = await waitForSession(first.body.data.session_id);
    expect(session).toMatchObject({ total_instances: 3, successful_instances: 2, failed_instances: 1 });
    await expect
      .poll(
        async () =>
          (await call<{ data: Row[] }>('GET', '/scheduler/jobs/sync_accounts/runs?limit=1')).body.data[0]
            ?.outcome,
        { timeout: 20_000 },
      )
      .toBe('partial');
    const history = await call<{ data: Row[]; meta: { total: number } }>(
      'GET',
      '/scheduler/jobs/sync_accounts/runs',
    );
    expect(history.body.meta.total).toBe(2);
    expect(history.body.data.map((r) => r.id)).toEqual([first.body.data.run_id, expect.any(String)]);
    const partial = await call<{ data: Row[] }>('GET', '/scheduler/jobs/sync_accounts/runs?outcome=partial');
    expect(partial.body.data.map((r) => r.id)).toEqual([first.body.data.run_id]);

    await expect
      .poll(async () => (await getJob('partition_maintenance')).last_run?.outcome, { timeout: 20_000 })
      .toBe('completed');
    // Free again: a run now is accepted.
    const again = await call('POST', '/scheduler/jobs/partition_maintenance/actions/run');
    expect(again.status, JSON.stringify(again.body)).toBe(202);
  });

  it('reload applies every schedule again; the dead letters list; built-in jobs cannot be deleted', async () => {
    await api.db.knex('pgboss.schedule').where({ name: 'whalefall-job-cleanup' }).delete();
    const reload = await call<{ data: { jobs: string[] } }>('POST', '/scheduler/actions/reload');
    expect(reload.status, JSON.stringify(reload.body)).toBe(200);
    expect(reload.body.data.jobs).toEqual(builtIn);
    expect(await bossSchedule('cleanup')).toEqual({ cron: '0 5 * * *', timezone: 'UTC' });
    expect(await bossSchedule('sync_accounts')).toEqual({ cron: far, timezone: 'UTC' });

    const dead = await call<{ data: Row[] }>('GET', '/scheduler/dead-letters?limit=5');
    expect([dead.status, dead.body.data]).toEqual([200, []]);

    const del = await call<ErrorBody>('DELETE', '/scheduler/jobs/cleanup');
    expect([del.status, del.body.message_code]).toEqual([405, 'METHOD_NOT_ALLOWED']);
    expect(del.body.message).toMatch(/built in and cannot be deleted/);
    expect((await call<{ data: Job[] }>('GET', '/scheduler/jobs')).body.data).toHaveLength(6);
  });

  it('a viewer and a user may read but not change; without credentials nothing answers', async () => {
    for (const role of ['viewer', 'user'] as const) {
      const other = await api.userToken(role);
      const read = await api.call('GET', '/scheduler/jobs', { token: other });
      expect(read.status).toBe(200);
      expect((await api.call('GET', '/scheduler/jobs/cleanup/runs', { token: other })).status).toBe(200);
      for (const [method, path, body] of [
        ['PUT', '/scheduler/jobs/cleanup', { cron: '0 6 * * *' }],
        ['POST', '/scheduler/jobs/cleanup/actions/pause', undefined],
        ['POST', '/scheduler/jobs/cleanup/actions/resume', undefined],
        ['POST', '/scheduler/jobs/cleanup/actions/run', undefined],
        ['POST', '/scheduler/actions/reload', undefined],
      ] as const) {
        const res = await api.call<ErrorBody>(method, path, { token: other, body });
        expect([method, path, res.status, res.body.message_code]).toEqual([
          method,
          path,
          403,
          'PERMISSION_DENIED',
        ]);
      }
    }
    for (const [method, path] of [
      ['GET', '/scheduler/jobs'],
      ['GET', '/scheduler/jobs/cleanup'],
      ['GET', '/scheduler/jobs/cleanup/runs'],
      ['GET', '/scheduler/dead-letters'],
      ['PUT', '/scheduler/jobs/cleanup'],
      ['POST', '/scheduler/jobs/cleanup/actions/run'],
    ] as const) {
      const res = await api.call<ErrorBody>(
        method,
        path,
        method === 'PUT' ? { body: { cron: '0 6 * * *' } } : {},
      );
      expect([path, res.status, res.body.message_code]).toEqual([path, 401, 'AUTHENTICATION_REQUIRED']);
    }
    expect((await getJob('cleanup')).cron).toBe('0 5 * * *');
  });
});

describe.skipIf(!both.url)(titled('the scheduler routes with WHALEFALL_SCHEDULER=off', both), () => {
  let api: ApiServer;
  let token: string;
  beforeAll(async () => {
    api = await startApiServer({ WHALEFALL_SCHEDULER: 'off' });
    token = await api.adminToken();
  });
  afterAll(async () => api?.stop());

  it('lists the defaults, records a change for when it starts, and answers 503 for what needs it', async () => {
    const list = await api.call<{ data: Job[] }>('GET', '/scheduler/jobs', { token });
    expect(list.body.data.map((j) => [j.id, j.registered, j.cron])).toEqual([
      ['partition_maintenance', false, '30 0 * * *'],
      ['sync_accounts', false, '0 1 * * *'],
      ['classify_accounts', false, '0 2 * * *'],
      ['collect_database_sizes', false, '0 3 * * *'],
      ['calculate_database_aggregations', false, '0 4 * * *'],
      ['cleanup', false, '0 5 * * *'],
    ]);
    const put = await api.call<{ data: Job; message: string }>('PUT', '/scheduler/jobs/cleanup', {
      token,
      body: { cron: '0 6 * * *' },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.data).toMatchObject({ cron: '0 6 * * *', timezone: 'UTC', registered: true });
    expect(put.body.message).toMatch(/scheduler is off/);
    for (const [method, path] of [
      ['POST', '/scheduler/jobs/sync_accounts/actions/run'],
      ['POST', '/scheduler/actions/reload'],
      ['GET', '/scheduler/dead-letters'],
    ] as const) {
      const res = await api.call<ErrorBody>(method, path, { token });
      expect([path, res.status, res.body.message_code]).toEqual([path, 503, 'SERVICE_UNAVAILABLE']);
      expect(res.body.message).toContain('WHALEFALL_SCHEDULER=off');
    }
  });
});
