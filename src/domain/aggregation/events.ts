// Aggregation events (stream aggregation-{periodType}-{periodStart}): each instance's figures for a period,
// then the coverage. Re-running a period appends new events that replace the figures (last one wins).
import { z } from 'zod';
import { defineEvent, type EventDefinition } from '../events/registry.js';
import { periodTypes } from '../periods/periods.js';

const period = {
  periodType: z.enum(periodTypes),
  periodStart: z.iso.date(),
  periodEnd: z.iso.date(),
  /** The period was not over when computed (only an explicit "current period" run): defect 7. */
  partial: z.boolean(),
};

export const aggregationEventDefinitions: readonly EventDefinition[] = [
  defineEvent({
    type: 'InstanceAggregated',
    schemaVersion: 1,
    schema: z.strictObject({
      ...period,
      sessionId: z.uuid(),
      instanceId: z.uuid(),
      /** One row of instance_size_aggregations, as computed. */
      instance: z.record(z.string(), z.unknown()),
      /** The rows of database_size_aggregations of this instance. */
      databases: z.array(z.record(z.string(), z.unknown())),
    }),
  }),
  defineEvent({
    type: 'AggregationCompleted',
    schemaVersion: 1,
    schema: z.strictObject({
      ...period,
      sessionId: z.uuid(),
      included: z.array(z.uuid()),
      /** Instances that had no stats in the period: their absence makes the aggregation partial (defect 8). */
      missing: z.array(z.strictObject({ instanceId: z.uuid(), reason: z.string() })),
      coverageComplete: z.boolean(),
    }),
  }),
];

export const aggregationStream = (periodType: string, periodStart: string): string =>
  `aggregation-${periodType}-${periodStart}`;
