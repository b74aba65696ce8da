// Aggregation of size stats for one period, as a sync session of category `aggregation` (one record per
// active instance): set-based SQL over the stats tables for every instance at once, then one
// InstanceAggregated per instance and an AggregationCompleted with the coverage on the period's stream,
// then each record ends: completed with its figures, or failed (SYNC_DATA_ERROR) when the instance had
// no stats in the period, so the session ends `partial` instead of `completed`.
// - By default the period is the last COMPLETED one of its type (defect 6: never today's half day).
// - The current period is computed only when asked for, and is marked partial (defect 7).
// - Instances without stats in the period are listed as missing; the coverage is then incomplete and the
//   aggregation says so (defect 8), instead of silently summing fewer instances.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import {
  computeDatabaseAggregations,
  computeInstanceAggregations,
  instancesWithoutStats,
  type DatabaseAggregation,
} from '../adapters/db/aggregationSql.js';
import { fencedStore } from '../adapters/eventStore/fencedStore.js';
import { FencedAppendError, type EventStore } from '../adapters/eventStore/port.js';
import { AppError } from '../domain/errors.js';
import { aggregationStream } from '../domain/aggregation/events.js';
import type { Position } from '../domain/events/envelope.js';
import {
  currentPeriod,
  isComplete,
  lastCompletedPeriod,
  periodStarting,
  type Period,
  type PeriodType,
} from '../domain/periods/periods.js';
import { allInstances } from '../projections/instances/queries.js';
import { sessionStream } from '../domain/sessions/events.js';
import type { CommandContext } from './streamWrites.js';
import { closeSessionIfEnded, openSession } from './sync/openSessions.js';
import type { ProcessSessions } from './sync/processSessions.js';
import { leaseFor } from './sync/recordRunner.js';
import { asRun, DEFAULT_DEADLINE_MS } from './sync/runSession.js';
import { SessionWriter, startedIn } from './sync/sessionExecutor.js';

export interface AggregateCommand {
  periodType: PeriodType;
  /** An explicit period start; default: the last completed period. */
  periodStart?: string | undefined;
  /** Compute the period that is still running (marked partial). */
  current?: boolean;
  timeZone: string;
  syncType?: 'manual_batch' | 'scheduled_task';
}

export interface AggregationOutcome {
  sessionId: string;
  period: Period;
  partial: boolean;
  included: string[];
  missing: string[];
  position: Position;
}

export function choosePeriod(cmd: AggregateCommand, now: Date): { period: Period; partial: boolean } {
  const period = cmd.periodStart
    ? periodStarting(cmd.periodType, cmd.periodStart)
    : cmd.current
      ? currentPeriod(cmd.periodType, now, cmd.timeZone)
      : lastCompletedPeriod(cmd.periodType, now, cmd.timeZone);
  return { period, partial: !isComplete(period, now, cmd.timeZone) };
}

export interface AggregateDeps {
  knex: Knex;
  store: Pick<EventStore, 'append' | 'readStream'>;
  /** This process's runs: the records name it as their owner, and its stop() ends them. */
  sessions?: ProcessSessions;
  /** SYNC_INSTANCE_DEADLINE_MS: the records' lease follows from it (leaseFor). */
  deadlineMs?: number;
}

export const makeAggregate =
  (deps: AggregateDeps) =>
  async (cmd: AggregateCommand, ctx: CommandContext): Promise<AggregationOutcome> => {
    const { period, partial } = choosePeriod(cmd, ctx.now);
    const sessionId = randomUUID();
    const active = await allInstances(deps.knex, { active: true });
    const session = new SessionWriter(deps.store, sessionId, ctx);
    return asRun(deps.sessions, { sessionId, writer: session, scope: 'all' }, async () => {
      await openSession(deps.knex, sessionId);
      const outcome = await aggregateSession(deps, { cmd, period, partial, sessionId, active, session }, ctx);
      await closeSessionIfEnded(deps, sessionId);
      return outcome;
    });
  };

async function aggregateSession(
  deps: AggregateDeps,
  run: {
    cmd: AggregateCommand;
    period: Period;
    partial: boolean;
    sessionId: string;
    active: { id: string; name: string }[];
    session: SessionWriter;
  },
  ctx: CommandContext,
): Promise<AggregationOutcome> {
  const { cmd, period, partial, sessionId, active, session } = run;
  const activeIds = active.map((r) => r.id);
  const owner = deps.sessions?.id;
  const opened = await session.executeAll([
    {
      type: 'StartSession',
      sessionId,
      category: 'aggregation',
      syncType: cmd.syncType ?? 'manual_batch',
      instances: active.map((r) => ({ instanceId: r.id, instanceName: r.name })),
      period: { periodType: period.type, periodStart: period.start, periodEnd: period.end, partial },
      ...(owner ? { owner } : {}),
    },
    ...activeIds.map((instanceId) => ({
      type: 'StartRecord' as const,
      sessionId,
      instanceId,
      now: ctx.now,
      leaseMs: leaseFor(deps.deadlineMs ?? DEFAULT_DEADLINE_MS),
      ...(owner ? { owner } : {}),
    })),
  ]);
  // The figures land only while every record is still in the attempt that computed them.
  const fences = activeIds.map((key) => ({
    stream: sessionStream(sessionId),
    key,
    eventId: startedIn(opened, key).eventId,
  }));
  const failAll = (messageCode: string, message: string, instanceIds: readonly string[]) =>
    instanceIds.map((instanceId) => ({
      type: 'FailRecord' as const,
      sessionId,
      instanceId,
      phase: 'aggregate' as const,
      messageCode,
      message,
    }));

  let figures: Awaited<ReturnType<typeof aggregatePeriod>>;
  try {
    const store = fencedStore(deps.store, fences);
    figures = await aggregatePeriod(
      { knex: deps.knex, store },
      { period, partial, sessionId, activeIds },
      ctx,
    );
  } catch (err) {
    if (err instanceof FencedAppendError)
      throw new AppError(
        'CONSTRAINT_VIOLATION',
        'the aggregation session ended while it ran (cancelled, or the service stopped): its figures were not recorded',
        { session_id: sessionId },
      );
    const message = err instanceof Error ? err.message : String(err);
    await session.executeAll(failAll('TASK_EXECUTION_FAILED', message, activeIds)).catch(() => undefined);
    throw err;
  }
  const { included, missing, databaseCounts } = figures;
  const ended = await session.executeAll([
    ...included.map((instanceId) => ({
      type: 'CompleteRecord' as const,
      sessionId,
      instanceId,
      itemsSynced: databaseCounts.get(instanceId) ?? 0,
      itemsCreated: 0,
      itemsUpdated: 0,
      itemsDeleted: 0,
      details: { periodType: period.type, periodStart: period.start, periodEnd: period.end, partial },
    })),
    ...failAll(
      'SYNC_DATA_ERROR',
      `no size stats in the ${period.type} period ${period.start}..${period.end}`,
      missing,
    ),
  ]);
  return {
    sessionId,
    period,
    partial: partial || missing.length > 0,
    included,
    missing,
    position: ended.position ?? figures.position,
  };
}

/** Computes the figures and appends them with the coverage to the period's stream. */
async function aggregatePeriod(
  deps: { knex: Knex; store: Pick<EventStore, 'append'> },
  run: { period: Period; partial: boolean; sessionId: string; activeIds: string[] },
  ctx: CommandContext,
) {
  const { period, partial, sessionId, activeIds } = run;
  const [instances, databases, missing] = await Promise.all([
    computeInstanceAggregations(deps.knex, period, { instanceIds: activeIds }),
    computeDatabaseAggregations(deps.knex, period, { instanceIds: activeIds }),
    instancesWithoutStats(deps.knex, period, activeIds),
  ]);
  const byInstance = new Map<string, DatabaseAggregation[]>();
  for (const row of databases) {
    const list = byInstance.get(row.instance_id) ?? [];
    list.push(row);
    byInstance.set(row.instance_id, list);
  }
  const base = {
    periodType: period.type,
    periodStart: period.start,
    periodEnd: period.end,
    partial,
    sessionId,
  };
  const metadata = {
    correlationId: ctx.correlationId,
    causationId: null,
    actor: ctx.actor,
    occurredAt: ctx.now.toISOString(),
    sessionId,
  };
  const included = instances.map((r) => r.instance_id);
  const events = [
    ...instances.map((row) => ({
      eventId: randomUUID(),
      type: 'InstanceAggregated',
      schemaVersion: 1,
      data: {
        ...base,
        instanceId: row.instance_id,
        instance: row as unknown as Record<string, unknown>,
        databases: (byInstance.get(row.instance_id) ?? []) as unknown as Record<string, unknown>[],
      },
      metadata: { ...metadata, instanceId: row.instance_id },
    })),
    {
      eventId: randomUUID(),
      type: 'AggregationCompleted',
      schemaVersion: 1,
      data: {
        ...base,
        included,
        missing: missing.map((instanceId) => ({ instanceId, reason: 'no size stats in the period' })),
        coverageComplete: missing.length === 0,
      },
      metadata,
    },
  ];
  const { position } = await deps.store.append(aggregationStream(period.type, period.start), events, {
    expectedRevision: 'any',
  });
  const databaseCounts = new Map([...byInstance].map(([id, rows]) => [id, rows.length]));
  return { position, included, missing, databaseCounts };
}
