// What each built-in job does when it runs, on the commands the composition root hands over. Session jobs
// start their session with the id the scheduler chose (JobRunStarted names it before it exists), as a
// `scheduled_task` of actor `scheduler`, and end with the session's status. A job that throws is retried by
// pg-boss per its policy; a session that ends `failed` is recorded, not thrown (its records retry).
import type { Knex } from 'knex';
import { pruneRateLimitHits } from '../../adapters/db/rateLimitStore.js';
import type { EventStore } from '../../adapters/eventStore/port.js';
import type { JobId } from '../../domain/scheduler/events.js';
import { localDate, periodTypes, type PeriodType } from '../../domain/periods/periods.js';
import type { CommandContext } from '../commandContext.js';
import type { AggregateCommand, AggregationOutcome } from '../aggregate.js';
import type { RunOptions, StartedSession, Target } from '../sync/runSession.js';
import { loadSession } from '../sync/sessionWriter.js';
import type { syncTypes } from '../../domain/sessions/events.js';
import type { JobResult, JobRun } from './catalog.js';

type SessionRun = (
  target: Target,
  syncType: (typeof syncTypes)[number],
  ctx: CommandContext,
  options?: RunOptions,
) => Promise<StartedSession>;

export interface JobRunDeps {
  knex: Knex;
  store: Pick<EventStore, 'readStream'>;
  timezone: string;
  runAccountSync: SessionRun;
  runClassification: SessionRun;
  runCapacityCollection: SessionRun;
  aggregate: (cmd: AggregateCommand, ctx: CommandContext) => Promise<AggregationOutcome>;
  maintainPartitions: (pass: { today: string; monthsAhead: number; now: Date }) => Promise<unknown>;
  cleanupPartitions: (
    today: string,
    retentionMonths: number,
    ctx: CommandContext,
  ) => Promise<{ before: string; dropped: { partition: string }[] }>;
  partitions: { monthsAhead: number; retentionMonths: number };
  /** pg-boss's own maintenance (archive, purge expired jobs), run by the cleanup job. */
  maintainQueue: () => Promise<void>;
}

/** A session job: start it under the chosen id, wait for its end, answer its status and counts. */
const sessionJob =
  (deps: JobRunDeps, run: SessionRun): JobRun =>
  async ({ sessionId, ctx }) => {
    const started = await run('all-active', 'scheduled_task', ctx, sessionId ? { sessionId } : {});
    await started.done;
    const { state } = await loadSession(deps.store, started.sessionId);
    const counts = { total: 0, completed: 0, failed: 0, skipped: 0, abandoned: 0 };
    for (const r of state.records.values()) {
      counts.total++;
      if (
        r.status === 'completed' ||
        r.status === 'failed' ||
        r.status === 'skipped' ||
        r.status === 'abandoned'
      )
        counts[r.status]++;
    }
    if (state.status === 'running')
      return {
        outcome: 'failed',
        messageCode: 'TASK_EXECUTION_FAILED',
        message: 'the session had not ended when its run did (the process was stopping)',
        summary: { sessionId: started.sessionId, counts },
      };
    return {
      outcome: state.status === 'none' ? 'failed' : state.status,
      summary: { sessionId: started.sessionId, counts },
    };
  };

/** The last completed period of every type (defect 6), each its own aggregation session. */
const aggregationJob =
  (deps: JobRunDeps): JobRun =>
  async ({ ctx }) => {
    const periods: Record<string, unknown>[] = [];
    let incomplete = false;
    for (const periodType of periodTypes as readonly PeriodType[]) {
      const o = await deps.aggregate(
        { periodType, timeZone: deps.timezone, syncType: 'scheduled_task' },
        ctx,
      );
      if (!o.computed && o.missing.length > 0) incomplete = true;
      if (o.partial) incomplete = true;
      periods.push({
        periodType,
        start: o.period.start,
        end: o.period.end,
        sessionId: o.sessionId,
        computed: o.computed,
        partial: o.partial,
        included: o.included.length,
        missing: o.missing.length,
      });
    }
    return { outcome: incomplete ? 'partial' : 'completed', summary: { periods } };
  };

const partitionJob =
  (deps: JobRunDeps): JobRun =>
  async ({ ctx }) => {
    const today = localDate(ctx.now, deps.timezone);
    const created = await deps.maintainPartitions({
      today,
      monthsAhead: deps.partitions.monthsAhead,
      now: ctx.now,
    });
    const cleaned = await deps.cleanupPartitions(today, deps.partitions.retentionMonths, ctx);
    return {
      outcome: 'completed',
      summary: {
        ahead: created,
        droppedBefore: cleaned.before,
        dropped: cleaned.dropped.map((d) => d.partition),
      },
    };
  };

/**
 * Expired rows of our own auth, idempotency and rate-limit tables, and pg-boss's archive. Events are never
 * touched.
 */
const cleanupJob =
  (deps: JobRunDeps): JobRun =>
  async ({ ctx }) => {
    await deps.maintainQueue();
    const revokedTokens = await deps.knex('revoked_tokens').where('expires_at', '<', ctx.now).delete();
    const idempotencyKeys = await deps
      .knex('idempotency_keys')
      .where('created_at', '<', new Date(ctx.now.getTime() - 24 * 3600_000))
      .delete();
    const rateLimitHits = await pruneRateLimitHits(deps.knex);
    return { outcome: 'completed', summary: { revokedTokens, idempotencyKeys, rateLimitHits } };
  };

export const makeJobRuns = (deps: JobRunDeps): Record<JobId, JobRun> => ({
  partition_maintenance: partitionJob(deps),
  sync_accounts: sessionJob(deps, deps.runAccountSync),
  classify_accounts: sessionJob(deps, deps.runClassification),
  collect_database_sizes: sessionJob(deps, deps.runCapacityCollection),
  calculate_database_aggregations: aggregationJob(deps),
  cleanup: cleanupJob(deps),
});

export type { JobResult };
