// Sync-session events (stream session-{id}): a session holds one record per instance, and every record
// reaches an end state. docs/flows/sync-session.md.
import { z } from 'zod';
import { aggregationScopes, type AggregationScope } from '../aggregation/events.js';
import { defineEvent, type EventDefinition } from '../events/registry.js';
import { periodTypes, type PeriodType } from '../periods/periods.js';

export const sessionCategories = ['account', 'capacity', 'aggregation', 'classification', 'tags'] as const;
export const syncTypes = ['manual_single', 'manual_batch', 'scheduled_task'] as const;
export const recordPhases = [
  'connect',
  'inventory',
  'permissions',
  'sizes',
  'aggregate',
  'classify',
  'tag',
  'other',
] as const;
/**
 * What an operator's compensation did. A retry says what it ran again: an account record's permissions
 * phase (`retry_permissions`), its whole sync (`retry_sync`), a capacity collection (`retry_capacity`), an
 * aggregation of the session's period for that instance (`retry_aggregation`); `confirm_inventory` is a
 * whole account sync that may deactivate more accounts than the inventory guard lets through.
 * Events before `retry_sync` existed say `retry_permissions` for both account cases (their detail tells).
 */
export const compensationActions = [
  'revert_inventory',
  'retry_permissions',
  'retry_sync',
  'retry_capacity',
  'retry_aggregation',
  'retry_classification',
  'confirm_inventory',
  'abandon',
] as const;

const ref = { sessionId: z.uuid(), instanceId: z.uuid() };
const messageCode = z.string().min(1).max(64);
/**
 * The process that runs a session or an attempt (its heartbeat row in process_heartbeats): recovery ends
 * what it owns once it stopped beating. Optional: events written before it existed carry none.
 */
const owner = z.uuid().optional();
/** The period an aggregation session computes (recovery and retries read its stream). */
const sessionPeriod = z.strictObject({
  periodType: z.enum(periodTypes),
  periodStart: z.iso.date(),
  periodEnd: z.iso.date(),
  partial: z.boolean(),
  /** The levels the run computed (absent: both); a retried record computes the same. */
  scope: z.enum(aggregationScopes).optional(),
});

export const sessionEventDefinitions: readonly EventDefinition[] = [
  defineEvent({
    type: 'SessionStarted',
    schemaVersion: 1,
    schema: z.strictObject({
      sessionId: z.uuid(),
      category: z.enum(sessionCategories),
      syncType: z.enum(syncTypes),
      instances: z.array(z.strictObject({ instanceId: z.uuid(), instanceName: z.string() })),
      owner,
      period: sessionPeriod.optional(),
    }),
  }),
  defineEvent({
    type: 'InstanceSyncStarted',
    schemaVersion: 1,
    schema: z.strictObject({
      ...ref,
      attempt: z.number().int().min(1),
      leaseExpiresAt: z.iso.datetime({ offset: true }),
      owner,
    }),
  }),
  defineEvent({
    type: 'InstanceSyncCompleted',
    schemaVersion: 1,
    schema: z.strictObject({
      ...ref,
      itemsSynced: z.number().int().min(0),
      itemsCreated: z.number().int().min(0),
      itemsUpdated: z.number().int().min(0),
      itemsDeleted: z.number().int().min(0),
      details: z.record(z.string(), z.unknown()),
    }),
  }),
  defineEvent({
    type: 'InstanceSyncFailed',
    schemaVersion: 1,
    schema: z.strictObject({
      ...ref,
      phase: z.enum(recordPhases),
      messageCode,
      message: z.string().max(4000),
    }),
  }),
  // An attempt that the run will retry failed: the record waits (status retrying) until retryAt, its lease
  // covering the wait and the next attempt; the session stays running. The last attempt's failure is
  // InstanceSyncFailed.
  defineEvent({
    type: 'InstanceAttemptFailed',
    schemaVersion: 1,
    schema: z.strictObject({
      ...ref,
      attempt: z.number().int().min(1),
      phase: z.enum(recordPhases),
      messageCode,
      message: z.string().max(4000),
      retryAt: z.iso.datetime({ offset: true }),
      leaseExpiresAt: z.iso.datetime({ offset: true }),
    }),
  }),
  defineEvent({
    type: 'InstanceSyncSkipped',
    schemaVersion: 1,
    schema: z.strictObject({ ...ref, reason: z.string().max(1000) }),
  }),
  defineEvent({
    type: 'InstanceSyncAbandoned',
    schemaVersion: 1,
    schema: z.strictObject({ ...ref, reason: z.string().max(1000) }),
  }),
  defineEvent({
    type: 'InstanceSyncRetried',
    schemaVersion: 1,
    schema: z.strictObject({ ...ref, phase: z.enum(recordPhases) }),
  }),
  defineEvent({
    type: 'CompensationApplied',
    schemaVersion: 1,
    schema: z.strictObject({
      ...ref,
      action: z.enum(compensationActions),
      detail: z.string().max(1000),
    }),
  }),
  defineEvent({
    type: 'SessionCompleted',
    schemaVersion: 1,
    schema: z.strictObject({
      sessionId: z.uuid(),
      status: z.enum(['completed', 'partial', 'failed']),
      counts: z.strictObject({
        total: z.number(),
        completed: z.number(),
        failed: z.number(),
        skipped: z.number(),
        abandoned: z.number(),
      }),
    }),
  }),
  defineEvent({
    type: 'SessionCancelled',
    schemaVersion: 1,
    schema: z.strictObject({ sessionId: z.uuid(), reason: z.string().max(1000) }),
  }),
];

export const sessionStream = (id: string): string => `session-${id}`;

type Phase = (typeof recordPhases)[number];

export interface SessionPeriod {
  periodType: PeriodType;
  periodStart: string;
  periodEnd: string;
  partial: boolean;
  scope?: AggregationScope;
}

/** The session events as the decider and the projection see them (their data as the schemas above give it). */
export type SessionEvent =
  | {
      type: 'SessionStarted';
      data: {
        sessionId: string;
        category: (typeof sessionCategories)[number];
        syncType: (typeof syncTypes)[number];
        instances: { instanceId: string; instanceName: string }[];
        owner?: string;
        period?: SessionPeriod;
      };
    }
  | {
      type: 'InstanceSyncStarted';
      data: {
        sessionId: string;
        instanceId: string;
        attempt: number;
        leaseExpiresAt: string;
        owner?: string;
      };
    }
  | {
      type: 'InstanceSyncCompleted';
      data: {
        sessionId: string;
        instanceId: string;
        itemsSynced: number;
        itemsCreated: number;
        itemsUpdated: number;
        itemsDeleted: number;
        details: Record<string, unknown>;
      };
    }
  | {
      type: 'InstanceSyncFailed';
      data: { sessionId: string; instanceId: string; phase: Phase; messageCode: string; message: string };
    }
  | {
      type: 'InstanceAttemptFailed';
      data: {
        sessionId: string;
        instanceId: string;
        attempt: number;
        phase: Phase;
        messageCode: string;
        message: string;
        retryAt: string;
        leaseExpiresAt: string;
      };
    }
  | { type: 'InstanceSyncSkipped'; data: { sessionId: string; instanceId: string; reason: string } }
  | { type: 'InstanceSyncAbandoned'; data: { sessionId: string; instanceId: string; reason: string } }
  | { type: 'InstanceSyncRetried'; data: { sessionId: string; instanceId: string; phase: Phase } }
  | {
      type: 'CompensationApplied';
      data: {
        sessionId: string;
        instanceId: string;
        action: (typeof compensationActions)[number];
        detail: string;
      };
    }
  | {
      type: 'SessionCompleted';
      data: { sessionId: string; status: 'completed' | 'partial' | 'failed'; counts: Counts };
    }
  | { type: 'SessionCancelled'; data: { sessionId: string; reason: string } };

export interface Counts {
  total: number;
  completed: number;
  failed: number;
  skipped: number;
  abandoned: number;
}
