// Scheduler shapes (issue 14): the body of a schedule change, the filters of a job's history, and the
// answers (a job with its next and last run, a history row, a dead letter, a run started), snake_case.
import { z } from 'zod';
import { runOutcomes, runTriggers, skipReasons } from '../../domain/scheduler/events.js';
import { pagingQuery } from '../envelope.js';

const time = z.iso.datetime();
const runKinds = ['run', 'skipped', 'missed'] as const;
const runStates = ['running', ...runOutcomes] as const;

/** A job's id is its name (sync_accounts, ...): an unknown one is RESOURCE_NOT_FOUND naming the jobs. */
export const jobParams = z.strictObject({
  id: z.string().min(1).max(64).describe('a built-in job, e.g. sync_accounts'),
});

export const jobScheduleBody = z.strictObject({
  cron: z
    .string()
    .min(1)
    .max(200)
    .describe('five fields: minute hour day-of-month month day-of-week, e.g. 15 23 * * *'),
  timezone: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe("an IANA time zone, e.g. Asia/Shanghai; default: the job's current one"),
});

export const jobRunsQuery = pagingQuery
  .extend({
    kind: z.enum(runKinds).optional().describe('run, or a tick skipped or missed'),
    outcome: z.enum(runStates).optional().describe('of a run'),
  })
  .strict();

export const deadLettersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const lastRunSchema = z.object({
  run_id: z.uuid(),
  trigger: z.enum(runTriggers),
  tick_at: time.nullable().describe('the cron tick it ran for; null for a manual run'),
  started_at: time,
  ended_at: time.nullable(),
  outcome: z.enum(runStates),
  session_id: z.uuid().nullable().describe('the sync session it ran (session jobs)'),
});

export const jobSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  cron: z.string(),
  timezone: z.string(),
  default_cron: z.string().describe('the built-in schedule (in WHALEFALL_TIMEZONE)'),
  paused: z.boolean(),
  next_run: time.nullable().describe('the next tick of the schedule; null while paused'),
  registered: z
    .boolean()
    .describe('false: no scheduler has registered it on this database yet (the defaults are shown)'),
  registered_at: time.nullable(),
  updated_at: time.nullable().describe('the last change of the schedule or the pause state'),
  last_run: lastRunSchema.nullable(),
});

export const jobRunSchema = z.object({
  id: z.uuid().describe('the run id; for a skipped or missed tick, an id derived from the job and the tick'),
  job_id: z.string(),
  kind: z.enum(runKinds),
  trigger: z.enum(runTriggers).nullable(),
  tick_at: time.nullable(),
  started_at: time.nullable(),
  ended_at: time.nullable(),
  session_id: z.uuid().nullable(),
  owner: z.uuid().nullable().describe('the process that ran it'),
  outcome: z.enum(runStates).nullable().describe('null for a skipped or missed tick'),
  attempt: z.number().int().nullable().describe('1, or more when the retry policy ran the tick again'),
  message_code: z.string().nullable(),
  message: z.string().nullable(),
  reason: z
    .string()
    .nullable()
    .describe(`skipped: ${skipReasons.join(' or ')}; missed: why (the process was down)`),
  summary: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe(
      "what the run did: a session job's session id and record counts; maintenance: what it created, dropped or pruned; skipped for overlap: the run going",
    ),
});

export const runStartedSchema = z.object({
  run_id: z.uuid(),
  session_id: z
    .uuid()
    .nullable()
    .describe('the sync session the run starts (GET /sync-sessions/{id}); null for maintenance jobs'),
});

export const deadLetterSchema = z.object({
  id: z.string(),
  job_id: z.string(),
  tick_at: time.nullable(),
  failed_at: time,
  error: z.string().nullable().describe("the last attempt's error"),
});

export const reloadSchema = z.object({
  jobs: z.array(z.string()).describe('the jobs whose schedule and pause state were applied to pg-boss'),
});
