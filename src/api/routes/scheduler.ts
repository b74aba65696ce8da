// /scheduler (issue 14): the built-in jobs (each with its description, schedule, next run and last run),
// one job, its history (runs, skipped and missed ticks, from the job streams), the dead letters; and, for
// administrators, a schedule change, pause, resume, run now, reload. A change is recorded on the job's
// stream, then applied to pg-boss by this process's scheduler; the answer waits for the read tables, so a
// GET right after shows it. Run now, reload and the dead letters need the scheduler: 503 when this process
// runs without one (WHALEFALL_SCHEDULER=off). Built-in jobs cannot be deleted (405).
import { z } from 'zod';
import { jobCatalog, type JobSpec } from '../../commands/scheduler/catalog.js';
import type { JobChange } from '../../commands/scheduler/jobCommands.js';
import { jobIdOf } from '../../commands/scheduler/jobs.js';
import { running } from '../../commands/commandContext.js';
import { AppError } from '../../domain/errors.js';
import { nextTick } from '../../domain/scheduler/cron.js';
import { jobIds } from '../../domain/scheduler/events.js';
import {
  listJobRuns,
  schedulerJobRow,
  schedulerJobRows,
  type SchedulerJobRow,
} from '../../projections/scheduler/queries.js';
import type { ApiDeps } from '../deps.js';
import { pageOf } from '../envelope.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { commandContext } from '../commandContext.js';
import {
  deadLetterSchema,
  deadLettersQuery,
  jobParams,
  jobRunSchema,
  jobRunsQuery,
  jobSchema,
  jobScheduleBody,
  reloadSchema,
  runStartedSchema,
} from '../schemas/scheduler.js';

const tag = 'scheduler';
const view = { permission: 'view' } as const;
const admin = { permission: 'admin' } as const;

/** The job as the API shows it: the catalog's description, the read row (or the defaults), the next tick. */
export function jobView(spec: JobSpec, row: SchedulerJobRow | undefined, timezone: string, now: Date) {
  const cron = row?.cron ?? spec.defaultCron;
  const zone = row?.timezone ?? timezone;
  const paused = row?.paused ?? false;
  return {
    id: spec.id,
    name: spec.id,
    description: spec.description,
    cron,
    timezone: zone,
    default_cron: spec.defaultCron,
    paused,
    next_run: paused ? null : nextTick(cron, zone, now).toISOString(),
    registered: row !== undefined,
    registered_at: row?.registered_at ?? null,
    updated_at: row?.updated_at ?? null,
    last_run: row?.last_run ?? null,
  };
}

const specOf = (id: string): JobSpec => {
  const jobId = jobIdOf(id);
  return jobCatalog.find((j) => j.id === jobId)!;
};

export function schedulerRoutes({
  knex,
  config,
  projections,
  commands,
  scheduler,
}: ApiDeps): RouteDefinition[] {
  const job = async (spec: JobSpec) =>
    jobView(spec, await schedulerJobRow(knex, spec.id), config.timezone, new Date());

  /** What the scheduler of this process needs for run now, reload, dead letters; 503 without one. */
  const required = () => {
    if (scheduler) return scheduler;
    throw new AppError(
      'SERVICE_UNAVAILABLE',
      'the scheduler is off in this process (WHALEFALL_SCHEDULER=off): start serve with WHALEFALL_SCHEDULER=on',
      { scheduler: 'off' },
    );
  };

  /** After a recorded change: pg-boss told (when this process has a scheduler), the read tables caught up. */
  const applied = async (change: JobChange, done: string) => {
    if (scheduler) await scheduler.apply(change.jobId);
    if (change.position) await projections.waitForPosition(change.position);
    const off = scheduler ? '' : ' (the scheduler is off in this process: it applies it when it starts)';
    return {
      data: await job(specOf(change.jobId)),
      message: change.changed ? `${done}${off}` : `nothing to change: the job already was so`,
    };
  };

  return [
    defineRoute({
      method: 'get',
      path: '/scheduler/jobs',
      tag,
      summary: 'The built-in jobs: description, cron and time zone, next run (null while paused), last run',
      access: view,
      response: z.array(jobSchema),
      handler: async () => {
        const rows = await schedulerJobRows(knex);
        const now = new Date();
        return { data: jobCatalog.map((s) => jobView(s, rows.get(s.id), config.timezone, now)) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/scheduler/jobs/:id',
      tag,
      summary: 'A built-in job (RESOURCE_NOT_FOUND naming the jobs for another id)',
      access: view,
      params: jobParams,
      response: jobSchema,
      handler: async ({ params }) => ({ data: await job(specOf(params.id)) }),
    }),
    defineRoute({
      method: 'put',
      path: '/scheduler/jobs/:id',
      tag,
      summary:
        "Change a job's cron and time zone (only those): VALIDATION_ERROR naming a bad cron or zone; the next run moves",
      access: admin,
      params: jobParams,
      body: jobScheduleBody,
      response: jobSchema,
      handler: async ({ params, body, req, user }) =>
        applied(
          await commands.changeJobSchedule(
            { jobId: params.id, cron: body.cron, timezone: body.timezone },
            commandContext(req, user),
          ),
          'schedule changed',
        ),
    }),
    defineRoute({
      method: 'delete',
      path: '/scheduler/jobs/:id',
      tag,
      summary: 'Always 405 METHOD_NOT_ALLOWED: built-in jobs cannot be deleted (pause one instead)',
      access: admin,
      params: jobParams,
      response: z.null().describe('never sent: the answer is 405 METHOD_NOT_ALLOWED'),
      handler: ({ params }) => {
        const spec = specOf(params.id);
        throw new AppError(
          'METHOD_NOT_ALLOWED',
          `job ${spec.id} is built in and cannot be deleted: pause it instead (POST /scheduler/jobs/${spec.id}/actions/pause)`,
          { jobId: spec.id },
        );
      },
    }),
    defineRoute({
      method: 'post',
      path: '/scheduler/jobs/:id/actions/pause',
      idempotency: 'repeat',
      tag,
      summary:
        'Pause a job: no tick of it runs until resumed (its pg-boss schedule is removed); a run going goes on',
      access: admin,
      params: jobParams,
      response: jobSchema,
      handler: async ({ params, req, user }) =>
        applied(await commands.pauseJob(params.id, commandContext(req, user)), 'job paused'),
    }),
    defineRoute({
      method: 'post',
      path: '/scheduler/jobs/:id/actions/resume',
      idempotency: 'repeat',
      tag,
      summary: 'Resume a paused job: its next tick runs (the ticks while paused are not caught up)',
      access: admin,
      params: jobParams,
      response: jobSchema,
      handler: async ({ params, req, user }) =>
        applied(await commands.resumeJob(params.id, commandContext(req, user)), 'job resumed'),
    }),
    defineRoute({
      method: 'post',
      path: '/scheduler/jobs/:id/actions/run',
      tag,
      summary:
        'Run a job now (202 with its run and session ids); JOB_RUNNING while a run of it is going; 503 when the scheduler is off',
      access: admin,
      params: jobParams,
      status: 202,
      response: runStartedSchema,
      handler: async ({ params, req, user }) => {
        const spec = specOf(params.id);
        // The run's events are stamped as they happen (its end is not the request's time).
        const started = await required().runNow(spec.id, running(commandContext(req, user)));
        return {
          data: { run_id: started.runId, session_id: started.sessionId },
          message: started.sessionId
            ? `job ${spec.id} started: session ${started.sessionId}`
            : `job ${spec.id} started`,
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/scheduler/actions/reload',
      idempotency: 'repeat',
      tag,
      summary: "Apply every job's schedule and pause state (from its stream) to pg-boss again",
      access: admin,
      response: reloadSchema,
      handler: async () => {
        await required().reload();
        return { data: { jobs: [...jobIds] }, message: 'schedules applied' };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/scheduler/jobs/:id/runs',
      tag,
      summary:
        "A job's history, newest first: its runs (trigger, tick, start, end, session, outcome) and the ticks skipped or missed, and why (filters: kind, outcome)",
      access: view,
      params: jobParams,
      query: jobRunsQuery,
      response: jobRunSchema,
      paged: true,
      handler: ({ params, query }) =>
        pageOf(
          query,
          listJobRuns(knex, specOf(params.id).id, { kind: query.kind, outcome: query.outcome }, query),
        ),
    }),
    defineRoute({
      method: 'get',
      path: '/scheduler/dead-letters',
      tag,
      summary:
        "The runs that failed every attempt of their job's retry policy (pg-boss's dead-letter queue), newest first",
      access: view,
      query: deadLettersQuery,
      response: z.array(deadLetterSchema),
      handler: async ({ query }) => ({
        data: (await required().deadLetters(query.limit)).map((d) => ({
          id: d.id,
          job_id: d.jobId,
          tick_at: d.tickAt,
          failed_at: d.failedAt,
          error: d.error,
        })),
      }),
    }),
  ];
}
