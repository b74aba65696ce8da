// The scheduler on a real pg-boss and PostgreSQL, with the jobs' work replaced by controllable runs (the
// real session jobs are driven end to end in test/e2e/scheduler.e2e.test.ts): a tick runs once however
// many times and processes hear of it; a tick during a run is skipped (overlap) and run-now refused
// (JOB_RUNNING); a paused job's tick is skipped and its pg-boss schedule removed; a misfire within the
// grace runs late once (trigger misfire), older ones are recorded missed; a failing maintenance run is
// retried by pg-boss per its policy and then lands in the dead-letter queue; a schedule change reaches
// pg-boss. The clock is injected: no test waits for a minute boundary.
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PostgresEventStore } from '../../adapters/eventStore/postgresEventStore.js';
import { validatingEventStore } from '../../adapters/eventStore/validatingEventStore.js';
import { openBoss } from '../../adapters/queue/pgBoss.js';
import { createEventRegistry } from '../../domain/eventTypes.js';
import { jobIds, jobStream, type JobId } from '../../domain/scheduler/events.js';
import { createLogger } from '../../logger.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/testDatabase.js';
import type { JobResult, JobRun } from './catalog.js';
import { executeJob, loadJob } from './jobs.js';
import { DEAD_LETTER_QUEUE, queueOf } from './queues.js';
import { createScheduler, type Scheduler } from './scheduler.js';

const logger = createLogger({ level: 'silent' });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const person = { actor: { kind: 'user' as const, id: 'admin' }, correlationId: 'c', now: new Date() };

/** A run that ends when the test says so, recording how often it started. */
function gate() {
  let release!: (r: JobResult) => void;
  let next = new Promise<JobResult>((res) => (release = res));
  let failure: Error | undefined;
  const started: string[] = [];
  const run: JobRun = async ({ runId }) => {
    started.push(runId);
    if (failure) throw failure;
    return next;
  };
  return {
    run,
    started,
    end(result: JobResult = { outcome: 'completed', summary: {} }) {
      release(result);
    },
    /** Every run from now on throws `err`. */
    fail(err: Error) {
      failure = err;
    },
    reset() {
      next = new Promise<JobResult>((res) => (release = res));
    },
  };
}

describe('scheduler on pg-boss', () => {
  let db: TestDatabase;
  let raw: PostgresEventStore;
  const store = () => validatingEventStore(raw, createEventRegistry());
  const bosses: PgBoss[] = [];
  const schedulers: Scheduler[] = [];
  let now = new Date('2026-12-02T00:00:00.000Z');
  const gates = Object.fromEntries(jobIds.map((id) => [id, gate()])) as Record<
    JobId,
    ReturnType<typeof gate>
  >;
  const runs = Object.fromEntries(jobIds.map((id) => [id, gates[id].run])) as Record<JobId, JobRun>;

  const open = async (schedule = true) => {
    const boss = await openBoss({
      connectionString: db.url,
      schema: 'pgboss',
      schedule,
      supervise: false,
      logger,
    });
    bosses.push(boss);
    const scheduler = createScheduler({
      boss,
      pool: db.pool,
      store: store(),
      logger,
      timezone: 'UTC',
      runs,
      clock: () => now,
      catchUpIntervalMs: 3_600_000, // the tests call catchUp() themselves
      retryDelaySeconds: 1,
      schedule,
    });
    schedulers.push(scheduler);
    await scheduler.start();
    return { boss, scheduler };
  };
  const events = async (id: JobId) =>
    (await raw.readStream(jobStream(id))).map((e) => ({
      type: e.type,
      data: e.data as Record<string, unknown>,
    }));
  const ofType = async (id: JobId, type: string) => (await events(id)).filter((e) => e.type === type);

  beforeAll(async () => {
    db = await createTestDatabase();
    raw = new PostgresEventStore(db.pool);
  });
  afterAll(async () => {
    for (const s of schedulers) await s.stop();
    for (const b of bosses) await b.stop({ graceful: false, wait: true });
    await raw.close();
    await db.drop();
  });

  it('registers every built-in job once, with its default cron in the configured zone, scheduled in pg-boss', async () => {
    const { boss } = await open();
    await open(false); // a worker process: registers nothing new
    for (const id of jobIds) expect(await ofType(id, 'JobRegistered')).toHaveLength(1);
    const schedules = await boss.getSchedules();
    expect(schedules.find((s) => s.name === queueOf('sync_accounts'))).toMatchObject({
      cron: '0 1 * * *',
      timezone: 'UTC',
    });
    expect(schedules).toHaveLength(jobIds.length);
  });

  it('runs a tick once, however many times and processes hear of it', async () => {
    const [a, b] = bosses;
    const tickAt = '2026-12-02T01:00:00.000Z';
    for (const boss of [a!, b!, a!])
      await boss.send(queueOf('sync_accounts'), { jobId: 'sync_accounts', tickAt, trigger: 'misfire' });
    await vi.waitFor(() => expect(gates.sync_accounts.started).toHaveLength(1), { timeout: 15_000 });
    gates.sync_accounts.end({ outcome: 'partial', summary: { failed: 1 } });
    await vi.waitFor(async () => expect(await ofType('sync_accounts', 'JobRunEnded')).toHaveLength(1), {
      timeout: 15_000,
    });
    await new Promise((r) => setTimeout(r, 3_000)); // the other two sends are taken and dropped
    expect(gates.sync_accounts.started).toHaveLength(1);
    const [started] = await ofType('sync_accounts', 'JobRunStarted');
    expect(started!.data).toMatchObject({ tickAt, trigger: 'misfire', attempt: 1 });
    expect(started!.data.sessionId).toMatch(UUID); // a session job names its session first
    expect((await ofType('sync_accounts', 'JobRunEnded'))[0]!.data).toMatchObject({
      outcome: 'partial',
      summary: { failed: 1 },
    });
  });

  it('skips a tick that comes while the previous run is going, and refuses run-now meanwhile', async () => {
    const [boss] = bosses;
    const scheduler = schedulers[0]!;
    gates.collect_database_sizes.reset();
    const manual = await scheduler.runNow('collect_database_sizes', person);
    expect(manual.sessionId).toMatch(UUID);
    await vi.waitFor(() => expect(gates.collect_database_sizes.started).toHaveLength(1));
    await expect(scheduler.runNow('collect_database_sizes', person)).rejects.toMatchObject({
      code: 'JOB_RUNNING',
    });
    const tickAt = '2026-12-02T03:00:00.000Z';
    await boss!.send(queueOf('collect_database_sizes'), { jobId: 'collect_database_sizes', tickAt });
    await vi.waitFor(
      async () => expect(await ofType('collect_database_sizes', 'JobTickSkipped')).toHaveLength(1),
      { timeout: 15_000 },
    );
    const [skipped] = await ofType('collect_database_sizes', 'JobTickSkipped');
    expect(skipped!.data).toMatchObject({ tickAt, reason: 'overlap', runningRunId: manual.runId });
    gates.collect_database_sizes.end();
    await manual.done;
    const types = (await events('collect_database_sizes')).map((e) => e.type);
    expect(types).toEqual([
      'JobRegistered',
      'JobTriggered',
      'JobRunStarted',
      'JobTickSkipped',
      'JobRunEnded',
    ]);
    // The same tick sent again after the run: its fate is recorded, it does not run.
    await boss!.send(queueOf('collect_database_sizes'), { jobId: 'collect_database_sizes', tickAt });
    await new Promise((r) => setTimeout(r, 3_000));
    expect(gates.collect_database_sizes.started).toHaveLength(1);
  });

  it('skips the ticks of a paused job and takes it out of pg-boss; resume puts it back', async () => {
    const [boss] = bosses;
    const scheduler = schedulers[0]!;
    await executeJob(store(), 'classify_accounts', { type: 'pause' }, person);
    await scheduler.apply('classify_accounts');
    expect((await boss!.getSchedules()).map((s) => s.name)).not.toContain(queueOf('classify_accounts'));
    const tickAt = '2026-12-02T02:00:00.000Z';
    await boss!.send(queueOf('classify_accounts'), { jobId: 'classify_accounts', tickAt });
    await vi.waitFor(
      async () => expect(await ofType('classify_accounts', 'JobTickSkipped')).toHaveLength(1),
      { timeout: 15_000 },
    );
    expect((await ofType('classify_accounts', 'JobTickSkipped'))[0]!.data).toMatchObject({
      reason: 'paused',
    });
    expect(gates.classify_accounts.started).toHaveLength(0);
    await executeJob(store(), 'classify_accounts', { type: 'resume' }, person);
    await scheduler.apply('classify_accounts');
    expect((await boss!.getSchedules()).map((s) => s.name)).toContain(queueOf('classify_accounts'));
  });

  it('runs a tick missed by up to 5 minutes once, late; records older ones as missed', async () => {
    const scheduler = schedulers[0]!;
    // cleanup: 05:00 daily, registered at 2026-12-02T00:00Z. The scheduler comes back at 05:03.
    now = new Date('2026-12-02T05:03:00.000Z');
    await scheduler.catchUp();
    await vi.waitFor(() => expect(gates.cleanup.started).toHaveLength(1), { timeout: 15_000 });
    gates.cleanup.end();
    await vi.waitFor(async () => expect(await ofType('cleanup', 'JobRunEnded')).toHaveLength(1), {
      timeout: 15_000,
    });
    expect((await ofType('cleanup', 'JobRunStarted'))[0]!.data).toMatchObject({
      trigger: 'misfire',
      tickAt: '2026-12-02T05:00:00.000Z',
    });
    await scheduler.catchUp(); // a second pass: nothing more to do
    // Down for two days: the ticks of 3 and 4 December are missed, not run; 5 December at 05:10 is too late too.
    now = new Date('2026-12-05T05:10:00.000Z');
    await scheduler.catchUp();
    await scheduler.catchUp();
    const missed = await ofType('cleanup', 'JobTickMissed');
    expect(missed.map((e) => e.data.tickAt)).toEqual([
      '2026-12-03T05:00:00.000Z',
      '2026-12-04T05:00:00.000Z',
      '2026-12-05T05:00:00.000Z',
    ]);
    expect(missed[0]!.data.reason).toMatch(/within 5 min/);
    expect(gates.cleanup.started).toHaveLength(1);
  });

  it('retries a failing maintenance run per its policy, then dead-letters it', async () => {
    const [boss] = bosses;
    const tickAt = '2026-12-06T00:30:00.000Z'; // after the ticks the catch-up test recorded missed
    const failing = gates.partition_maintenance;
    failing.fail(new Error('disk full'));
    await boss!.send(queueOf('partition_maintenance'), { jobId: 'partition_maintenance', tickAt });
    await vi.waitFor(() => expect(failing.started).toHaveLength(3), { timeout: 30_000, interval: 200 });
    await vi.waitFor(async () => expect(await boss!.getQueueSize(DEAD_LETTER_QUEUE)).toBe(1), {
      timeout: 30_000,
      interval: 200,
    });
    const startedEvents = await ofType('partition_maintenance', 'JobRunStarted');
    expect(startedEvents.map((e) => e.data.attempt)).toEqual([1, 2, 3]);
    const ended = await ofType('partition_maintenance', 'JobRunEnded');
    expect(ended.map((e) => [e.data.outcome, e.data.messageCode, e.data.message])).toEqual(
      Array(3).fill(['failed', 'TASK_EXECUTION_FAILED', 'disk full']),
    );
  }, 60_000);

  it('moves the pg-boss schedule when the cron changes', async () => {
    const [boss] = bosses;
    await executeJob(
      store(),
      'sync_accounts',
      { type: 'changeSchedule', cron: '15 23 * * 1-5', timezone: 'Asia/Shanghai' },
      person,
    );
    await schedulers[0]!.apply('sync_accounts');
    expect((await boss!.getSchedules()).find((s) => s.name === queueOf('sync_accounts'))).toMatchObject({
      cron: '15 23 * * 1-5',
      timezone: 'Asia/Shanghai',
    });
    expect((await loadJob(store(), 'sync_accounts')).state).toMatchObject({ cron: '15 23 * * 1-5' });
  });
});
