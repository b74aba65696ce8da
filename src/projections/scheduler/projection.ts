// The `scheduler` projection: scheduler_jobs (each built-in job as its scheduler-job-{id} stream last set
// it: schedule, pause state, its newest run) and scheduler_job_runs (the history: a row per run, and per
// tick skipped or missed). One statement per event, in log order: a job has a handful of events a day.
// Times come from the events (occurredAt); a run is 'running' until its JobRunEnded. A skipped or missed
// tick's row id is derived from the job and the tick (tickRowId), so a rebuild gives the same ids.
import { createHash } from 'node:crypto';
import type { JobEvent } from '../../domain/scheduler/jobState.js';
import { eachEvent, type Projection } from '../projection.js';
import { json } from '../rows.js';

export const schedulerEventTypes = [
  'JobRegistered',
  'JobScheduleChanged',
  'JobPaused',
  'JobResumed',
  'JobRunStarted',
  'JobRunEnded',
  'JobTickSkipped',
  'JobTickMissed',
] as const satisfies readonly JobEvent['type'][];

/** The id of a skipped or missed tick's row: md5 of job and tick, written as a uuid. */
export function tickRowId(jobId: string, tickAt: string): string {
  const h = createHash('md5').update(`${jobId}|${tickAt}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const schedulerProjection: Projection = {
  name: 'scheduler',
  tables: ['scheduler_jobs', 'scheduler_job_runs'],
  eventTypes: schedulerEventTypes,
  apply: eachEvent(async ({ trx, table }, e) => {
    const jobs = table('scheduler_jobs');
    const runs = table('scheduler_job_runs');
    const at = e.metadata.occurredAt;
    const event = { type: e.type, data: e.data } as JobEvent;
    switch (event.type) {
      case 'JobRegistered': {
        const { jobId, cron, timezone } = event.data;
        await trx(jobs)
          .insert({ job_id: jobId, cron, timezone, paused: false, registered_at: at, updated_at: at })
          .onConflict('job_id')
          .ignore();
        return;
      }
      case 'JobScheduleChanged': {
        const { jobId, cron, timezone } = event.data;
        await trx(jobs).where({ job_id: jobId }).update({ cron, timezone, updated_at: at });
        return;
      }
      case 'JobPaused':
      case 'JobResumed':
        await trx(jobs)
          .where({ job_id: event.data.jobId })
          .update({ paused: event.type === 'JobPaused', updated_at: at });
        return;
      case 'JobTriggered':
        return;
      case 'JobRunStarted': {
        const d = event.data;
        await trx(runs)
          .insert({
            id: d.runId,
            job_id: d.jobId,
            kind: 'run',
            trigger: d.trigger,
            tick_at: d.tickAt,
            at: d.tickAt ?? at,
            started_at: at,
            session_id: d.sessionId,
            owner: d.owner ?? null,
            outcome: 'running',
            attempt: d.attempt,
          })
          .onConflict('id')
          .ignore();
        await trx(jobs).where({ job_id: d.jobId }).update({
          last_run_id: d.runId,
          last_run_trigger: d.trigger,
          last_run_tick_at: d.tickAt,
          last_run_started_at: at,
          last_run_ended_at: null,
          last_run_outcome: 'running',
          last_run_session_id: d.sessionId,
        });
        return;
      }
      case 'JobRunEnded': {
        const d = event.data;
        await trx(runs)
          .where({ id: d.runId })
          .update({
            ended_at: at,
            outcome: d.outcome,
            message_code: d.messageCode,
            message: d.message,
            summary: json(d.summary),
          });
        await trx(jobs)
          .where({ job_id: d.jobId, last_run_id: d.runId })
          .update({ last_run_ended_at: at, last_run_outcome: d.outcome });
        return;
      }
      case 'JobTickSkipped':
      case 'JobTickMissed': {
        const d = event.data;
        const skipped = event.type === 'JobTickSkipped';
        await trx(runs)
          .insert({
            id: tickRowId(d.jobId, d.tickAt),
            job_id: d.jobId,
            kind: skipped ? 'skipped' : 'missed',
            tick_at: d.tickAt,
            at: d.tickAt,
            reason: d.reason,
            summary:
              event.type === 'JobTickSkipped' && event.data.runningRunId !== null
                ? json({ runningRunId: event.data.runningRunId })
                : null,
          })
          .onConflict('id')
          .ignore();
        return;
      }
      default: {
        const never: never = event;
        throw new Error(`unhandled event ${String(never)}`);
      }
    }
  }),
};
