// `whalefall jobs` and `whalefall worker` as an operator runs them, against the built binary and a running
// server's database: the list of the six built-in jobs (from the job streams), set-cron refusing a bad cron
// by name (exit code 2) and moving a good one into the list and pg-boss's schedule row, pause / resume
// (the schedule row goes and comes back), an unknown job refused naming the jobs, `jobs run cleanup` (exit
// code 0; the stream has JobTriggered, JobRunStarted, JobRunEnded completed) and refused (JOB_RUNNING, exit
// code 2) while the job's lock is held elsewhere, and a worker alone on the
// database: it logs that it runs, beats (process_heartbeats), takes a queued tick (its run names the
// worker as owner), and on SIGTERM exits 0 and removes its heartbeat row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBoss } from '../../src/adapters/queue/pgBoss.js';
import { jobCatalog } from '../../src/commands/scheduler/catalog.js';
import { queueOf } from '../../src/commands/scheduler/queues.js';
import { jobLockKey } from '../../src/commands/scheduler/scheduler.js';
import { createLogger } from '../../src/logger.js';
import { startApiServer, TEST_SECRET_KEY, type ApiServer } from '../support/apiServer.js';
import { runCliToEnd, spawnCli } from '../support/cliProcess.js';

interface JobLine {
  id: string;
  cron: string;
  timezone: string;
  paused: boolean;
  next_run: string | null;
  last_run: { run_id: string; trigger: string; outcome: string; session_id: string | null } | null;
}

describe('whalefall jobs and whalefall worker', () => {
  let api: ApiServer;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runCliToEnd(['jobs', ...args], env);
  const list = async (): Promise<JobLine[]> => {
    const run = await cli('list', '--json');
    expect(run.code, run.stderr).toBe(0);
    return run.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as JobLine);
  };
  const job = async (id: string) => (await list()).find((j) => j.id === id)!;
  const scheduleRow = (id: string) =>
    api.db
      .knex('pgboss.schedule')
      .where({ name: queueOf(id as never) })
      .first<{ cron: string; timezone: string } | undefined>('cron', 'timezone');
  const streamEvents = (id: string) =>
    api.db
      .knex('events')
      .where({ stream_id: `scheduler-job-${id}` })
      .orderBy('stream_revision')
      .select<{ type: string; data: Record<string, unknown> }[]>('type', 'data');

  beforeAll(async () => {
    api = await startApiServer({ WHALEFALL_SCHEDULER: 'on' });
    env = { DATABASE_URL: api.db.url, WHALEFALL_SECRET_KEY: TEST_SECRET_KEY };
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('lists the six built-in jobs with their cron, time zone and next run', async () => {
    const jobs = await list();
    expect(jobs.map((j) => j.id)).toEqual(jobCatalog.map((j) => j.id));
    for (const j of jobs) {
      expect(j.cron).toBe(jobCatalog.find((s) => s.id === j.id)!.defaultCron);
      expect(j.paused).toBe(false);
      expect(new Date(j.next_run!).getTime()).toBeGreaterThan(Date.now());
    }
    const table = await cli('list');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+CRON\s+TIMEZONE\s+PAUSED\s+NEXT RUN\s+LAST RUN$/m);
    expect(table.stdout).toMatch(/^sync_accounts\s+0 1 \* \* \*\s+UTC\s+no\s+\S+Z\s+-$/m);
  });

  it('set-cron refuses a bad cron by name and moves a good one into the list and pg-boss', async () => {
    const bad = await cli('set-cron', 'cleanup', '61 * * * *');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/whalefall: '61 \* \* \* \*' is not a valid cron expression/);
    const badZone = await cli('set-cron', 'cleanup', '0 5 * * *', '--timezone', 'Mars/Base');
    expect(badZone.code).toBe(2);
    expect(badZone.stderr).toContain("unknown time zone 'Mars/Base'");
    expect((await job('cleanup')).cron).toBe('0 5 * * *');

    const good = await cli('set-cron', 'cleanup', '15 6 * * *', '--timezone', 'Asia/Shanghai');
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain('cleanup: JobScheduleChanged');
    const changed = await job('cleanup');
    expect([changed.cron, changed.timezone]).toEqual(['15 6 * * *', 'Asia/Shanghai']);
    // 06:15 in Shanghai is 22:15 UTC.
    expect(changed.next_run).toMatch(/T22:15:00\.000Z$/);
    expect(await scheduleRow('cleanup')).toEqual({ cron: '15 6 * * *', timezone: 'Asia/Shanghai' });
  });

  it('pause removes the schedule row, resume brings it back; an unknown job is refused naming the jobs', async () => {
    const pause = await cli('pause', 'sync_accounts');
    expect(pause.code, pause.stderr).toBe(0);
    expect((await job('sync_accounts')).paused).toBe(true);
    expect((await job('sync_accounts')).next_run).toBeNull();
    expect(await scheduleRow('sync_accounts')).toBeUndefined();

    const resume = await cli('resume', 'sync_accounts');
    expect(resume.code, resume.stderr).toBe(0);
    expect((await job('sync_accounts')).paused).toBe(false);
    expect(await scheduleRow('sync_accounts')).toEqual({ cron: '0 1 * * *', timezone: 'UTC' });

    const unknown = await cli('pause', 'nightly');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("there is no job 'nightly'");
    for (const spec of jobCatalog) expect(unknown.stderr).toContain(spec.id);
  });

  it('jobs run cleanup runs it now: exit code 0, and the stream records the trigger, start and end', async () => {
    const run = await cli('run', 'cleanup');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const runId = run.stdout.match(/^run ([0-9a-f-]{36})$/m)?.[1];
    expect(runId).toBeDefined();
    expect(run.stdout).toContain(`run ${runId}: completed`);

    const events = (await streamEvents('cleanup')).filter((e) => e.data.runId === runId);
    expect(events.map((e) => e.type)).toEqual(['JobTriggered', 'JobRunStarted', 'JobRunEnded']);
    expect(events[1]!.data).toMatchObject({ trigger: 'manual', tickAt: null, attempt: 1 });
    expect(events[2]!.data).toMatchObject({ outcome: 'completed' });
    expect((await job('cleanup')).last_run).toMatchObject({
      run_id: runId,
      trigger: 'manual',
      outcome: 'completed',
    });
  });

  it('jobs run refuses with JOB_RUNNING (exit 2) while another process holds the job', async () => {
    // The job's advisory lock, as a run going in another process holds it.
    const holder = await api.db.pool.connect();
    try {
      const { rows } = await holder.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok',
        [jobLockKey('cleanup')],
      );
      expect(rows[0]!.ok).toBe(true);
      const before = (await streamEvents('cleanup')).length;
      const refused = await cli('run', 'cleanup');
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/whalefall: job cleanup is running/);
      expect((await streamEvents('cleanup')).length).toBe(before);
    } finally {
      await holder.query('SELECT pg_advisory_unlock_all()');
      holder.release();
    }
  });

  it('a worker alone on the database beats, takes a queued tick, and on SIGTERM exits 0 without its heartbeat', async () => {
    await api.server.stop('SIGTERM'); // so that the tick below can only be the worker's
    const worker = spawnCli(['worker'], { ...env, LOG_LEVEL: 'info' });
    try {
      const [line] = await worker.waitFor(/^.*whalefall worker is running.*$/m, 60_000);
      const processId = (JSON.parse(line) as { processId: string }).processId;
      expect(processId).toMatch(/^[0-9a-f-]{36}$/);
      const beats = () =>
        api.db.knex('process_heartbeats').where({ process_id: processId }).count<{ n: string }[]>({ n: '*' });
      expect(Number((await beats())[0]!.n)).toBe(1);

      // A tick as pg-boss's timekeeper (or serve's catch-up pass) queues it.
      const boss = await openBoss({
        connectionString: api.db.url,
        schema: 'pgboss',
        schedule: false,
        supervise: false,
        logger: createLogger({ level: 'warn' }),
        max: 1,
      });
      const tickAt = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 120_000).toISOString();
      try {
        await boss.send(queueOf('partition_maintenance'), {
          jobId: 'partition_maintenance',
          tickAt,
          trigger: 'misfire',
        });
      } finally {
        await boss.stop({ graceful: false, wait: true });
      }
      await expect
        .poll(
          async () =>
            (await streamEvents('partition_maintenance'))
              .filter((e) => e.type === 'JobRunEnded' || e.data.tickAt === tickAt)
              .map((e) => e.type),
          { timeout: 30_000, interval: 300 },
        )
        .toEqual(['JobRunStarted', 'JobRunEnded']);
      const started = (await streamEvents('partition_maintenance')).find((e) => e.type === 'JobRunStarted')!;
      expect(started.data).toMatchObject({ trigger: 'misfire', owner: processId, attempt: 1 });

      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      expect(worker.stdout()).toContain('"msg":"stopped"');
      expect(Number((await beats())[0]!.n)).toBe(0);
    } finally {
      if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    }
  });
});
