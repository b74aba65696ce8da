// Aggregation of size stats for one period: set-based SQL over the stats tables for every instance at once,
// then one InstanceAggregated per instance and an AggregationCompleted with the coverage.
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
} from '../adapters/db/aggregationSql.js';
import type { EventStore } from '../adapters/eventStore/port.js';
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
import type { CommandContext } from './streamWrites.js';

export interface AggregateCommand {
  periodType: PeriodType;
  /** An explicit period start; default: the last completed period. */
  periodStart?: string | undefined;
  /** Compute the period that is still running (marked partial). */
  current?: boolean;
  timeZone: string;
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

export const makeAggregate =
  (deps: { knex: Knex; store: Pick<EventStore, 'append'> }) =>
  async (cmd: AggregateCommand, ctx: CommandContext): Promise<AggregationOutcome> => {
    const { period, partial } = choosePeriod(cmd, ctx.now);
    const sessionId = randomUUID();
    const active = (await allInstances(deps.knex, { active: true })).map((r) => r.id);
    const [instances, databases, missing] = await Promise.all([
      computeInstanceAggregations(deps.knex, period, { instanceIds: active }),
      computeDatabaseAggregations(deps.knex, period, { instanceIds: active }),
      instancesWithoutStats(deps.knex, period, active),
    ]);
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
    const events = [
      ...instances.map((row) => ({
        eventId: randomUUID(),
        type: 'InstanceAggregated',
        schemaVersion: 1,
        data: {
          ...base,
          instanceId: row.instance_id,
          instance: row as unknown as Record<string, unknown>,
          databases: databases.filter((d) => d.instance_id === row.instance_id) as unknown as Record<
            string,
            unknown
          >[],
        },
        metadata: { ...metadata, instanceId: row.instance_id },
      })),
      {
        eventId: randomUUID(),
        type: 'AggregationCompleted',
        schemaVersion: 1,
        data: {
          ...base,
          included: instances.map((r) => r.instance_id),
          missing: missing.map((instanceId) => ({ instanceId, reason: 'no size stats in the period' })),
          coverageComplete: missing.length === 0,
        },
        metadata,
      },
    ];
    const { position } = await deps.store.append(aggregationStream(period.type, period.start), events, {
      expectedRevision: 'any',
    });
    return {
      sessionId,
      period,
      partial: partial || missing.length > 0,
      included: instances.map((r) => r.instance_id),
      missing,
      position,
    };
  };
