// Aggregation of size stats for one period, as a sync session of category `aggregation` (one record per
// active instance): set-based SQL over the stats tables for every instance at once, then one
// InstanceAggregated per instance and an AggregationCompleted with the coverage on the period's stream,
// then each record ends: completed with its figures, or failed (SYNC_DATA_ERROR) when the instance had
// no stats in the period, so the session ends `partial` instead of `completed`.
// - Which period: aggregationPeriod.ts (by default the last completed one; defects 6 and 7, docs/defects.md).
// - Instances without stats in the period are listed as missing; the coverage is then incomplete and the
//   aggregation says so (defect 8), instead of silently summing fewer instances.
// - An explicit period that cannot have stats is refused before a session starts: it could only fail
//   every record.
// - A scope (instance or database) computes one level only; the coverage is the same for every scope, so
//   an instance without stats is missing and fails its record whichever level runs.
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
import { aggregationStream, levelsOf, type AggregationScope } from '../domain/aggregation/events.js';
import { AppError, errorMessage } from '../domain/errors.js';
import type { Position } from '../domain/events/envelope.js';
import type { Period } from '../domain/periods/periods.js';
import { sessionStream } from '../domain/sessions/events.js';
import { assertStatsCanExist, choosePeriod, type PeriodRequest } from './aggregationPeriod.js';
import { newEvent, type CommandContext } from './commandContext.js';
import { activeInstances, type InstanceDirectory } from './connections.js';
import { closeSessionIfEnded, openSession } from './sync/openSessions.js';
import type { ProcessSessions } from './sync/processSessions.js';
import { leaseFor } from './sync/recordRunner.js';
import { asRun, DEFAULT_DEADLINE_MS } from './sync/runSession.js';
import { SessionWriter, startedIn } from './sync/sessionWriter.js';

export interface AggregateCommand extends PeriodRequest {
  /** Which levels to compute; default both. */
  scope?: AggregationScope | undefined;
  syncType?: 'manual_batch' | 'scheduled_task';
}

export interface AggregationOutcome {
  sessionId: string;
  period: Period;
  scope: AggregationScope;
  /** The period had not ended, or instances were missing. */
  partial: boolean;
  /**
   * False when no figure was computed: no active instance, or none had stats in the period (every
   * record failed, so the session ended `failed`).
   */
  computed: boolean;
  included: string[];
  missing: string[];
  position: Position;
}

/** One line saying what a run did, for the API's message and the CLI. */
export function describeOutcome(o: AggregationOutcome): string {
  const period = `${o.period.type} ${o.period.start}..${o.period.end}`;
  const levels = o.scope === 'all' ? '' : ` (${o.scope} level)`;
  if (o.computed)
    return `${period}: ${o.included.length} instance(s) aggregated${levels}${o.partial ? ' (partial)' : ''}`;
  return o.missing.length > 0
    ? `${period}: nothing computed: no instance had size stats in the period`
    : `${period}: nothing computed: no active instance`;
}

export interface AggregateDeps {
  knex: Knex;
  store: Pick<EventStore, 'append' | 'readStream'>;
  /** This process's runs: the records name it as their owner, and its stop() ends them. */
  sessions?: ProcessSessions;
  /** SYNC_INSTANCE_DEADLINE_MS: the records' lease follows from it (leaseFor). */
  deadlineMs?: number;
  /** Which instances the period is aggregated for; default: the active ones, from their streams. */
  instances?: Pick<InstanceDirectory, 'active'>;
  /**
   * Resolves once the stats tables (the aggregation's input, a read model) hold every StatsSaved the log
   * holds now, so a run right after a collection does not miss it. Awaited inside the session, after it
   * started: only the stats wait, nothing else of the read side.
   */
  statsRecorded?: () => Promise<void>;
}

export const makeAggregate =
  (deps: AggregateDeps) =>
  async (cmd: AggregateCommand, ctx: CommandContext): Promise<AggregationOutcome> => {
    const { period, partial } = choosePeriod(cmd, ctx.now);
    const scope = cmd.scope ?? 'all';
    if (cmd.periodStart) await assertStatsCanExist(deps.knex, period);
    const sessionId = randomUUID();
    const active = await (deps.instances ? deps.instances.active() : activeInstances(deps));
    const session = new SessionWriter(deps.store, sessionId, ctx);
    return asRun(deps.sessions, { sessionId, writer: session, scope: 'all' }, async () => {
      await openSession(deps.knex, sessionId);
      const outcome = await aggregateSession(
        deps,
        { cmd, period, partial, scope, sessionId, active, session },
        ctx,
      );
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
    scope: AggregationScope;
    sessionId: string;
    active: { id: string; name: string }[];
    session: SessionWriter;
  },
  ctx: CommandContext,
): Promise<AggregationOutcome> {
  const { cmd, period, partial, scope, sessionId, active, session } = run;
  const activeIds = active.map((r) => r.id);
  const owner = deps.sessions?.id;
  const opened = await session.executeAll([
    {
      type: 'StartSession',
      category: 'aggregation',
      syncType: cmd.syncType ?? 'manual_batch',
      instances: active.map((r) => ({ instanceId: r.id, instanceName: r.name })),
      period: {
        periodType: period.type,
        periodStart: period.start,
        periodEnd: period.end,
        partial,
        scope,
      },
      ...(owner ? { owner } : {}),
    },
    ...activeIds.map((instanceId) => ({
      type: 'StartRecord' as const,
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
      instanceId,
      phase: 'aggregate' as const,
      messageCode,
      message,
    }));

  let figures: Awaited<ReturnType<typeof aggregatePeriod>>;
  try {
    const store = fencedStore(deps.store, fences);
    await deps.statsRecorded?.();
    figures = await aggregatePeriod(
      { knex: deps.knex, store },
      { period, partial, scope, sessionId, activeIds },
      ctx,
    );
  } catch (err) {
    if (err instanceof FencedAppendError)
      throw new AppError(
        'CONSTRAINT_VIOLATION',
        'the aggregation session ended while it ran (cancelled, or the service stopped): its figures were not recorded',
        { session_id: sessionId },
      );
    const message = errorMessage(err);
    await session.executeAll(failAll('TASK_EXECUTION_FAILED', message, activeIds)).catch(() => undefined);
    throw err;
  }
  const { included, missing, databaseCounts } = figures;
  const ended = await session.executeAll([
    ...included.map((instanceId) => ({
      type: 'CompleteRecord' as const,
      instanceId,
      itemsSynced: databaseCounts.get(instanceId) ?? 0,
      itemsCreated: 0,
      itemsUpdated: 0,
      itemsDeleted: 0,
      details: { periodType: period.type, periodStart: period.start, periodEnd: period.end, partial, scope },
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
    scope,
    partial: partial || missing.length > 0,
    computed: included.length > 0,
    included,
    missing,
    position: ended.position ?? figures.position,
  };
}

/**
 * Computes the figures of the scope's levels and appends them with the coverage to the period's stream.
 * The coverage (instancesWithoutStats) decides who is included for every scope: a database-level run
 * includes exactly the instances an instance-level run would, and carries no instance totals.
 */
async function aggregatePeriod(
  deps: { knex: Knex; store: Pick<EventStore, 'append'> },
  run: { period: Period; partial: boolean; scope: AggregationScope; sessionId: string; activeIds: string[] },
  ctx: CommandContext,
) {
  const { period, partial, scope, sessionId, activeIds } = run;
  const levels = levelsOf(scope);
  const options = { instanceIds: activeIds };
  const [instances, databases, missing] = await Promise.all([
    levels.instance ? computeInstanceAggregations(deps.knex, period, options) : [],
    levels.database ? computeDatabaseAggregations(deps.knex, period, options) : [],
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
    scope,
    sessionId,
  };
  const rowOf = new Map(instances.map((row) => [row.instance_id, row]));
  const without = new Set(missing);
  const included = levels.instance
    ? instances.map((r) => r.instance_id)
    : activeIds.filter((id) => !without.has(id));
  const events = [
    ...included.map((instanceId) =>
      newEvent(
        ctx,
        'InstanceAggregated',
        {
          ...base,
          instanceId,
          ...(levels.instance && { instance: rowOf.get(instanceId) as unknown as Record<string, unknown> }),
          ...(levels.database && {
            databases: (byInstance.get(instanceId) ?? []) as unknown as Record<string, unknown>[],
          }),
        },
        { sessionId, instanceId },
      ),
    ),
    newEvent(
      ctx,
      'AggregationCompleted',
      {
        ...base,
        included,
        missing: missing.map((instanceId) => ({ instanceId, reason: 'no size stats in the period' })),
        coverageComplete: missing.length === 0,
      },
      { sessionId },
    ),
  ];
  const { position } = await deps.store.append(aggregationStream(period.type, period.start), events, {
    expectedRevision: 'any',
  });
  const databaseCounts = new Map([...byInstance].map(([id, rows]) => [id, rows.length]));
  return { position, included, missing, databaseCounts };
}
