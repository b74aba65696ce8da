// The records of an aggregation session outside the run that opened them: an operator's retry re-runs the
// session's period for one instance (one InstanceAggregated, appended through the attempt's fenced store;
// no AggregationCompleted, whose coverage would drop the other instances' figures), and the recovery pass
// ends a record whose process died from what the period's stream says that session appended.
import type { Knex } from 'knex';
import {
  computeDatabaseAggregations,
  computeInstanceAggregations,
} from '../../adapters/db/aggregationSql.js';
import type { EventStore } from '../../adapters/eventStore/port.js';
import { aggregationStream, levelsOf } from '../../domain/aggregation/events.js';
import { comparePositions, type Position } from '../../domain/events/envelope.js';
import { periodStarting } from '../../domain/periods/periods.js';
import type { SessionPeriod } from '../../domain/sessions/events.js';
import { newEvent, running, type CommandContext } from '../commandContext.js';
import type { AttemptWork } from './attempt.js';
import type { WriterCommand } from './sessionWriter.js';
import { PhaseError } from './phaseError.js';

const noStats = (p: SessionPeriod) =>
  `no size stats in the ${p.periodType} period ${p.periodStart}..${p.periodEnd}`;

/** Aggregates the session's period again for one instance. */
export function aggregateInstanceWork(
  deps: { knex: Knex },
  target: { period: SessionPeriod; instanceId: string; sessionId: string; ctx: CommandContext },
): AttemptWork {
  const { period, instanceId, sessionId, ctx } = target;
  return async ({ store }) => {
    const span = periodStarting(period.periodType, period.periodStart);
    const only = { instanceIds: [instanceId] };
    const [[instance], databases] = await Promise.all([
      computeInstanceAggregations(deps.knex, span, only),
      computeDatabaseAggregations(deps.knex, span, only),
    ]);
    if (!instance) throw new PhaseError('aggregate', 'SYNC_DATA_ERROR', noStats(period));
    // The run's scope again: the coverage is decided on the instance figures whatever the scope.
    const levels = levelsOf(period.scope);
    await store.append(
      aggregationStream(period.periodType, period.periodStart),
      [
        newEvent(
          running(ctx),
          'InstanceAggregated',
          {
            ...period,
            sessionId,
            instanceId,
            ...(levels.instance ? { instance: instance as unknown as Record<string, unknown> } : {}),
            ...(levels.database ? { databases: databases as unknown as Record<string, unknown>[] } : {}),
          },
          { sessionId, instanceId },
        ),
      ],
      { expectedRevision: 'any' },
    );
    return {
      itemsSynced: levels.database ? databases.length : 0,
      itemsCreated: 0,
      itemsUpdated: 0,
      itemsDeleted: 0,
      details: { ...period, retried: true },
    };
  };
}

/**
 * How recovery ends an aggregation record whose process died, from what the session appended to the
 * period's stream after the record's attempt started: its InstanceAggregated -> completed; listed missing in
 * the session's AggregationCompleted -> failed (SYNC_DATA_ERROR), as the run would have; nothing -> undefined
 * (the caller abandons it).
 */
export async function aggregationOutcomes(
  store: Pick<EventStore, 'readStream'>,
  session: { sessionId: string; period: SessionPeriod },
  records: readonly { instanceId: string; startedAt: Position }[],
): Promise<Map<string, WriterCommand>> {
  const { sessionId, period } = session;
  const events = (await store.readStream(aggregationStream(period.periodType, period.periodStart))).filter(
    (e) => (e.data as { sessionId?: string }).sessionId === sessionId,
  );
  const out = new Map<string, WriterCommand>();
  for (const { instanceId, startedAt } of records) {
    const after = events.filter((e) => comparePositions(e.position, startedAt) > 0);
    const aggregated = after.findLast(
      (e) => e.type === 'InstanceAggregated' && (e.data as { instanceId: string }).instanceId === instanceId,
    );
    const missing = after.some(
      (e) =>
        e.type === 'AggregationCompleted' &&
        (e.data as { missing: { instanceId: string }[] }).missing.some((m) => m.instanceId === instanceId),
    );
    if (aggregated)
      out.set(instanceId, {
        type: 'CompleteRecord',
        instanceId,
        itemsSynced: (aggregated.data as { databases: unknown[] }).databases.length,
        itemsCreated: 0,
        itemsUpdated: 0,
        itemsDeleted: 0,
        details: { ...period, recovered: true },
      });
    else if (missing)
      out.set(instanceId, {
        type: 'FailRecord',
        instanceId,
        phase: 'aggregate',
        messageCode: 'SYNC_DATA_ERROR',
        message: noStats(period),
      });
  }
  return out;
}
