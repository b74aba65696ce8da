// Reads of scheduler_jobs and scheduler_job_runs for the API: the jobs' rows (schedule, pause state, last
// run), and one job's history, newest first, filtered by kind and outcome. The job's description and next
// run are the API's to add (the catalog and the cron are not read-side facts).
import type { Knex } from 'knex';
import type { Paging } from '../../domain/paging.js';
import type { runOutcomes, runTriggers } from '../../domain/scheduler/events.js';
import { paged } from '../paging.js';

type Trigger = (typeof runTriggers)[number];
/** A run's outcome: running until its end is recorded. */
type RunState = 'running' | (typeof runOutcomes)[number];

interface JobDbRow {
  job_id: string;
  cron: string;
  timezone: string;
  paused: boolean;
  registered_at: Date;
  updated_at: Date;
  last_run_id: string | null;
  last_run_trigger: Trigger | null;
  last_run_tick_at: Date | null;
  last_run_started_at: Date | null;
  last_run_ended_at: Date | null;
  last_run_outcome: RunState | null;
  last_run_session_id: string | null;
}

interface RunDbRow {
  id: string;
  job_id: string;
  kind: 'run' | 'skipped' | 'missed';
  trigger: Trigger | null;
  tick_at: Date | null;
  started_at: Date | null;
  ended_at: Date | null;
  session_id: string | null;
  owner: string | null;
  outcome: RunState | null;
  attempt: number | null;
  message_code: string | null;
  message: string | null;
  reason: string | null;
  summary: Record<string, unknown> | null;
}

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

const jobToApi = (r: JobDbRow) => ({
  job_id: r.job_id,
  cron: r.cron,
  timezone: r.timezone,
  paused: r.paused,
  registered_at: r.registered_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
  last_run:
    r.last_run_id === null
      ? null
      : {
          run_id: r.last_run_id,
          trigger: r.last_run_trigger!,
          tick_at: iso(r.last_run_tick_at),
          started_at: r.last_run_started_at!.toISOString(),
          ended_at: iso(r.last_run_ended_at),
          outcome: r.last_run_outcome!,
          session_id: r.last_run_session_id,
        },
});
export type SchedulerJobRow = ReturnType<typeof jobToApi>;

const runToApi = (r: RunDbRow) => ({
  id: r.id,
  job_id: r.job_id,
  kind: r.kind,
  trigger: r.trigger,
  tick_at: iso(r.tick_at),
  started_at: iso(r.started_at),
  ended_at: iso(r.ended_at),
  session_id: r.session_id,
  owner: r.owner,
  outcome: r.outcome,
  attempt: r.attempt,
  message_code: r.message_code,
  message: r.message,
  reason: r.reason,
  summary: r.summary,
});
export type SchedulerRunApi = ReturnType<typeof runToApi>;

/** Every job the log has registered, by id. */
export async function schedulerJobRows(knex: Knex): Promise<Map<string, SchedulerJobRow>> {
  const rows = await knex<JobDbRow>('scheduler_jobs').orderBy('job_id').select('*');
  return new Map(rows.map((r) => [r.job_id, jobToApi(r)]));
}

/** One job's row; undefined before its JobRegistered is in the read tables. */
export async function schedulerJobRow(knex: Knex, jobId: string): Promise<SchedulerJobRow | undefined> {
  const row = await knex<JobDbRow>('scheduler_jobs').where({ job_id: jobId }).first<JobDbRow | undefined>();
  return row ? jobToApi(row) : undefined;
}

export interface RunFilters {
  kind?: 'run' | 'skipped' | 'missed' | undefined;
  /** Of runs only. */
  outcome?: RunState | undefined;
}

/** A job's runs and skipped or missed ticks, newest first (by tick, or by start for a manual run). */
export async function listJobRuns(knex: Knex, jobId: string, filters: RunFilters, paging: Paging) {
  const q = knex<RunDbRow>('scheduler_job_runs').where({ job_id: jobId });
  if (filters.kind !== undefined) q.where('kind', filters.kind);
  if (filters.outcome !== undefined) q.where('outcome', filters.outcome);
  const { total, rows } = await paged<RunDbRow>(q, paging, {
    order: [
      { column: 'at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ],
  });
  return { total, items: rows.map(runToApi) };
}
