// Aggregation events (stream aggregation-{periodType}-{periodStart}): each instance's figures for a period,
// then the coverage. Re-running a period appends new events that replace the figures (last one wins).
// "defect N": docs/defects.md.
import { z } from 'zod';
import { defineEvent, type EventDefinition } from '../events/registry.js';
import { periodTypes } from '../periods/periods.js';

/** Which levels a run computes: both (the default), or one, under the same coverage (docs/decisions.md). */
export const aggregationScopes = ['all', 'instance', 'database'] as const;
export type AggregationScope = (typeof aggregationScopes)[number];

export const isAggregationScope = (value: unknown): value is AggregationScope =>
  typeof value === 'string' && (aggregationScopes as readonly string[]).includes(value);

/** The levels a scope computes, and so the read tables its events may change. */
export const levelsOf = (scope: AggregationScope = 'all') => ({
  instance: scope !== 'database',
  database: scope !== 'instance',
});

const period = {
  periodType: z.enum(periodTypes),
  periodStart: z.iso.date(),
  periodEnd: z.iso.date(),
  /** The period was not over when computed (only an explicit "current period" run): defect 7. */
  partial: z.boolean(),
  /** Absent in events recorded before runs had a scope: those computed both levels. */
  scope: z.enum(aggregationScopes).optional(),
};

export const aggregationEventDefinitions: readonly EventDefinition[] = [
  defineEvent({
    type: 'InstanceAggregated',
    schemaVersion: 1,
    schema: z
      .strictObject({
        ...period,
        sessionId: z.uuid(),
        instanceId: z.uuid(),
        /** One row of instance_size_aggregations, as computed; absent when the scope is `database`. */
        instance: z.record(z.string(), z.unknown()).optional(),
        /** The rows of database_size_aggregations of this instance; absent when the scope is `instance`. */
        databases: z.array(z.record(z.string(), z.unknown())).optional(),
      })
      .refine(
        (d) => {
          const levels = levelsOf(d.scope);
          return (
            (d.instance !== undefined) === levels.instance && (d.databases !== undefined) === levels.database
          );
        },
        { message: 'an InstanceAggregated carries exactly the levels of its scope' },
      ),
  }),
  defineEvent({
    type: 'AggregationCompleted',
    schemaVersion: 1,
    schema: z.strictObject({
      ...period,
      sessionId: z.uuid(),
      included: z.array(z.uuid()),
      /**
       * Instances that had no stats in the period: their absence makes the aggregation partial
       * (docs/defects.md#defect-8).
       */
      missing: z.array(z.strictObject({ instanceId: z.uuid(), reason: z.string() })),
      coverageComplete: z.boolean(),
    }),
  }),
];

export const aggregationStream = (periodType: string, periodStart: string): string =>
  `aggregation-${periodType}-${periodStart}`;
