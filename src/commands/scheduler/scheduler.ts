// The scheduler: pg-boss holds the cron schedules and the queues; this file decides what a tick means.
// - Ticks: pg-boss sends one job per tick of each scheduled job, whatever the number of processes (its own
//   cron throttling: one process's timekeeper wins each minute). The worker that takes it derives the tick
//   time, and the job's stream (scheduler-job-{id}) records the tick's fate once: a run, `skipped`
//   (paused, or the previous run still holds the job's advisory lock: no overlap), or `missed`.
// - Misfires: the catch-up pass (catchUp.ts), at start and then every catchUpIntervalMs.
// - Runs: a session job's session id is chosen before it starts (JobRunStarted names it); the run's end
//   is JobRunEnded with the session's status. A run that throws is retried by pg-boss per the job's
//   retryLimit (the stream lets a failed tick run again only then), then pg-boss moves it to the
//   dead-letter queue.
// - Run now: in the process that was asked, at once, under the same lock (JOB_RUNNING while one runs).
import { randomUUID } from 'node:crypto';
import type PgBoss from 'pg-boss';
import type pg from 'pg';
import type { EventStore } from '../../adapters/eventStore/port.js';
import { AppError, errorMessage } from '../../domain/errors.js';
import { lastTick } from '../../domain/scheduler/cron.js';
import type { JobId } from '../../domain/scheduler/events.js';
import { openRun, tickKey } from '../../domain/scheduler/jobState.js';
import type { Logger } from '../../logger.js';
import { running as runningContext, type CommandContext } from '../commandContext.js';
import { InstanceLocks } from '../sync/instanceLocks.js';
import { jobCatalog, type JobResult, type JobRun, type JobSpec } from './catalog.js';
import { catchUpTicks } from './catchUp.js';
import { executeJob, loadJob, schedulerContext } from './jobs.js';
import {
  DEAD_LETTER_QUEUE,
  ensureQueue,
  listDeadLetters,
  queueOf,
  type DeadLetter,
  type TickJob,
} from './queues.js';

/** The advisory lock a run holds: a second run of the job, in any process, finds it taken. */
export const jobLockKey = (jobId: JobId): string => `scheduler-job:${jobId}`;

/** How long pg-boss lets a job run before it counts it expired (a whole fleet's sync, with margin). */
const JOB_EXPIRE_SECONDS = 12 * 3600;
/** How long stop() waits for the runs going. */
const STOP_WAIT_MS = 20_000;

export interface SchedulerDeps {
  boss: PgBoss;
  pool: pg.Pool;
  store: Pick<EventStore, 'readStream' | 'append'>;
  logger: Logger;
  /** The default time zone of the built-in jobs (WHALEFALL_TIMEZONE). */
  timezone: string;
  runs: Readonly<Record<JobId, JobRun>>;
  /** This process (process_heartbeats), named by the runs it starts. */
  processId?: string | undefined;
  /** Default 5 minutes. */
  misfireGraceMs?: number;
  /** Default 30 s. */
  catchUpIntervalMs?: number;
  /** Tests: the time the scheduler believes it is. */
  clock?: () => Date;
  /** false: work on the queues only (`whalefall worker`), never schedule nor catch up. */
  schedule?: boolean;
  /** Before pg-boss retries a failed run (doubling); default 60 s. */
  retryDelaySeconds?: number;
  /** pg-boss's schema (for the dead-letter listing); default pgboss. */
  schema?: string;
  /**
   * false: this process runs no projection (`whalefall worker`), so it does not take the runs of jobs
   * that wait for a read table (spec.readsProjections).
   */
  projectionsHere?: boolean;
  /** Other queue workers of this process (the shared records), started and stopped with the scheduler. */
  workers?: { start(): Promise<void>; stop(): Promise<void> };
}

export interface RunNowResult {
  runId: string;
  sessionId: string | null;
  /** Resolves when the run has ended and its end is recorded. */
  done: Promise<void>;
}

export interface Scheduler {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Applies a job's schedule and pause state (from its stream) to pg-boss. */
  apply(jobId: JobId): Promise<void>;
  /** Applies every job's (POST /scheduler/actions/reload). */
  reload(): Promise<void>;
  runNow(jobId: JobId, ctx: CommandContext): Promise<RunNowResult>;
  /** One catch-up pass (exported for tests and the timer). */
  catchUp(): Promise<void>;
  /** The built-in jobs. */
  readonly specs: readonly JobSpec[];
  /** The runs that failed every attempt (pg-boss's dead-letter queue), newest first. */
  deadLetters(limit: number): Promise<DeadLetter[]>;
}

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { boss, store, logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const grace = deps.misfireGraceMs ?? 5 * 60_000;
  // One InstanceLocks (one connection) per lock taken: advisory locks are re-entrant on a connection, so
  // two runs of this process on one connection would not exclude each other.
  const tryLock = (key: string) => new InstanceLocks(deps.pool).tryLock(key);
  const running = new Set<Promise<unknown>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const track = <T>(p: Promise<T>): Promise<T> => {
    running.add(p);
    void p.finally(() => running.delete(p)).catch(() => undefined);
    return p;
  };

  /** Runs the job under its lock, recording start and end; throws when the run itself threw. */
  async function runLocked(
    spec: JobSpec,
    run: {
      runId: string;
      sessionId: string | null;
      trigger: 'schedule' | 'misfire' | 'manual';
      tickAt: string | null;
      retry?: boolean;
    },
    ctx: CommandContext,
  ): Promise<JobResult | undefined> {
    const started = await executeJob(
      store,
      spec.id,
      {
        type: 'startRun',
        ...run,
        ...(deps.processId ? { owner: deps.processId } : {}),
      },
      ctx,
      { sessionId: run.sessionId },
    );
    if (!started.some((e) => e.type === 'JobRunStarted')) return undefined; // heard twice, or paused
    let result: JobResult;
    let failure: Error | undefined;
    try {
      result = await deps.runs[spec.id]({ runId: run.runId, sessionId: run.sessionId, ctx });
    } catch (err) {
      failure = err instanceof Error ? err : new Error(errorMessage(err));
      result = {
        outcome: 'failed',
        messageCode: err instanceof AppError ? err.code : 'TASK_EXECUTION_FAILED',
        message: errorMessage(err).slice(0, 4000),
        summary: {},
      };
    }
    await executeJob(store, spec.id, { type: 'endRun', runId: run.runId, ...result }, ctx, {
      sessionId: run.sessionId,
    });
    logger.info(
      { job: spec.id, runId: run.runId, sessionId: run.sessionId, outcome: result.outcome },
      'job run ended',
    );
    if (failure) throw failure;
    return result;
  }

  /** A tick pg-boss handed this process. */
  async function onTick(job: PgBoss.JobWithMetadata<TickJob>): Promise<void> {
    const spec = jobCatalog.find((j) => j.id === job.data.jobId);
    if (!spec) return;
    const { state } = await loadJob(store, spec.id);
    const at = job.data.tickAt ?? lastTick(state.cron, state.timezone, job.createdOn)?.toISOString();
    if (!at) return;
    const tickAt = tickKey(at);
    const ctx = schedulerContext(clock, `tick-${spec.id}-${tickAt}`);
    const unlock = await tryLock(jobLockKey(spec.id));
    if (!unlock) {
      await executeJob(
        store,
        spec.id,
        {
          type: 'skipTick',
          tickAt,
          reason: 'overlap',
          runningRunId: openRun(state)?.runId ?? null,
        },
        ctx,
      );
      logger.warn({ job: spec.id, tickAt }, 'tick skipped: the previous run is still going');
      return;
    }
    try {
      await runLocked(
        spec,
        {
          runId: randomUUID(),
          sessionId: spec.session ? randomUUID() : null,
          trigger: job.data.trigger ?? 'schedule',
          tickAt,
          retry: job.retryCount > 0,
        },
        ctx,
      );
    } finally {
      await unlock();
    }
  }

  async function apply(jobId: JobId): Promise<void> {
    // Every process may write the schedule (the CLI, a worker); only `schedule` ones send its ticks.
    const { state } = await loadJob(store, jobId);
    if (state.paused) await boss.unschedule(queueOf(jobId));
    else await boss.schedule(queueOf(jobId), state.cron, { jobId }, { tz: state.timezone });
  }

  const catchUp = () => catchUpTicks({ store, boss, logger, grace, now: clock() });

  return {
    specs: jobCatalog,
    deadLetters: (limit) => listDeadLetters(boss, deps.schema ?? 'pgboss', limit),
    apply,
    catchUp,
    async reload() {
      for (const spec of jobCatalog) await apply(spec.id);
    },
    async start() {
      await ensureQueue(boss, DEAD_LETTER_QUEUE, { retentionDays: 30 });
      const ctx = schedulerContext(clock, 'scheduler-start');
      for (const spec of jobCatalog) {
        await ensureQueue(boss, queueOf(spec.id), {
          retryLimit: spec.retryLimit,
          retryDelay: deps.retryDelaySeconds ?? 60,
          retryBackoff: true,
          expireInSeconds: JOB_EXPIRE_SECONDS,
          deadLetter: DEAD_LETTER_QUEUE,
        });
        await executeJob(
          store,
          spec.id,
          { type: 'register', cron: spec.defaultCron, timezone: deps.timezone },
          ctx,
        );
        await apply(spec.id);
        if (deps.projectionsHere === false && spec.readsProjections) continue; // serve's to run
        await boss.work<TickJob>(
          queueOf(spec.id),
          { includeMetadata: true, batchSize: 1, pollingIntervalSeconds: 2 },
          async ([job]) => {
            if (job) await track(onTick(job));
          },
        );
      }
      await deps.workers?.start();
      if (deps.schedule === false) return;
      await catchUp().catch((err: unknown) => logger.error({ err }, 'the scheduler catch-up pass failed'));
      timer = setInterval(() => {
        if (!stopped)
          catchUp().catch((err: unknown) => logger.error({ err }, 'the scheduler catch-up pass failed'));
      }, deps.catchUpIntervalMs ?? 30_000);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      for (const spec of jobCatalog) await boss.offWork(queueOf(spec.id)).catch(() => undefined);
      await deps.workers?.stop().catch(() => undefined);
      // The runs end once their sessions do (serve stops those next); a run still going after this is
      // recorded as ended by nobody: its session's records are abandoned by the next recovery pass.
      const ended = Promise.allSettled([...running]);
      await Promise.race([ended, new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
    },
    async runNow(jobId, asked) {
      // The person who asked is the run's actor (their session says so); its events are stamped as they happen.
      const ctx = runningContext(asked);
      const spec = jobCatalog.find((j) => j.id === jobId)!;
      const unlock = await tryLock(jobLockKey(jobId));
      if (!unlock) {
        const { state } = await loadJob(store, jobId);
        throw new AppError(
          'JOB_RUNNING',
          `job ${jobId} is running (run ${openRun(state)?.runId ?? 'unknown'}): wait for it to end`,
          {
            jobId,
            runId: openRun(state)?.runId ?? null,
          },
        );
      }
      const runId = randomUUID();
      const sessionId = spec.session ? randomUUID() : null;
      try {
        await executeJob(store, jobId, { type: 'trigger', runId, sessionId }, ctx, { sessionId });
      } catch (err) {
        await unlock();
        throw err;
      }
      const done = track(
        runLocked(spec, { runId, sessionId, trigger: 'manual', tickAt: null }, ctx)
          .then(() => undefined)
          .catch((err: unknown) => logger.error({ err, job: jobId, runId }, 'the job run failed'))
          .finally(() => unlock()),
      );
      return { runId, sessionId, done };
    },
  };
}
