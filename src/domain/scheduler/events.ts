// Scheduler job events (stream scheduler-job-{jobId}): a job's schedule and its pause state as people set
// them, and every tick's fate: a run (started, ended), a tick skipped (the previous run still going, or the
// job paused) or missed (the process was down longer than the misfire grace). Kept as events, so a job's
// history outlives pg-boss's pruned archive. Pure.
import { z } from 'zod';
import { defineEvent, type EventDefinition } from '../events/registry.js';

export const jobIds = [
  'partition_maintenance',
  'sync_accounts',
  'classify_accounts',
  'collect_database_sizes',
  'calculate_database_aggregations',
  'cleanup',
] as const;
export type JobId = (typeof jobIds)[number];

/** What started a run: its cron tick, a tick caught up after a short outage, or a person (run now). */
export const runTriggers = ['schedule', 'misfire', 'manual'] as const;
export const runOutcomes = ['completed', 'partial', 'failed', 'cancelled'] as const;
export const skipReasons = ['overlap', 'paused'] as const;

const jobId = z.enum(jobIds);
const schedule = { cron: z.string().min(1).max(200), timezone: z.string().min(1).max(64) };
const tickAt = z.iso.datetime({ offset: true });

export const schedulerEventDefinitions: readonly EventDefinition[] = [
  defineEvent({
    type: 'JobRegistered',
    schemaVersion: 1,
    /** The first time a scheduler saw the job: its default schedule, and the start of its tick history. */
    schema: z.strictObject({ jobId, ...schedule }),
  }),
  defineEvent({
    type: 'JobScheduleChanged',
    schemaVersion: 1,
    schema: z.strictObject({ jobId, ...schedule, previous: z.strictObject(schedule) }),
  }),
  defineEvent({ type: 'JobPaused', schemaVersion: 1, schema: z.strictObject({ jobId }) }),
  defineEvent({ type: 'JobResumed', schemaVersion: 1, schema: z.strictObject({ jobId }) }),
  defineEvent({
    type: 'JobTriggered',
    schemaVersion: 1,
    /** A person's run now; its JobRunStarted follows with the same runId. */
    schema: z.strictObject({ jobId, runId: z.uuid(), sessionId: z.uuid().nullable() }),
  }),
  defineEvent({
    type: 'JobRunStarted',
    schemaVersion: 1,
    schema: z.strictObject({
      jobId,
      runId: z.uuid(),
      trigger: z.enum(runTriggers),
      /** The cron tick it runs for; null for a manual run. */
      tickAt: tickAt.nullable(),
      /** 1 for the first attempt at this tick; more when the job's retry policy ran it again. */
      attempt: z.number().int().min(1),
      /** The session it runs (jobs over instances); null for maintenance jobs. */
      sessionId: z.uuid().nullable(),
      /** The process that runs it (process_heartbeats). */
      owner: z.uuid().optional(),
    }),
  }),
  defineEvent({
    type: 'JobRunEnded',
    schemaVersion: 1,
    schema: z.strictObject({
      jobId,
      runId: z.uuid(),
      outcome: z.enum(runOutcomes),
      messageCode: z.string().max(64).nullable(),
      message: z.string().max(4000).nullable(),
      /** What the run did, for the history (sessions: the counts; maintenance: what it created or dropped). */
      summary: z.record(z.string(), z.unknown()),
    }),
  }),
  defineEvent({
    type: 'JobTickSkipped',
    schemaVersion: 1,
    schema: z.strictObject({
      jobId,
      tickAt,
      reason: z.enum(skipReasons),
      /** overlap: the run still going. */
      runningRunId: z.uuid().nullable(),
    }),
  }),
  defineEvent({
    type: 'JobTickMissed',
    schemaVersion: 1,
    schema: z.strictObject({ jobId, tickAt, reason: z.string().max(1000) }),
  }),
];

export const jobStream = (id: string): string => `scheduler-job-${id}`;
