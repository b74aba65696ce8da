// Read tables of the scheduler projection: each built-in job as the scheduler-job-{id} stream last set it
// (schedule, pause state, its newest run), and each job's history, one row per run or per tick skipped or
// missed. Kept from the events, so the history outlives pg-boss's pruned archive; a rebuild refills both.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE scheduler_jobs (
      job_id              text PRIMARY KEY,
      cron                text NOT NULL,
      timezone            text NOT NULL,
      paused              boolean NOT NULL DEFAULT false,
      registered_at       timestamptz NOT NULL,
      -- the last change of the schedule or the pause state (not of a run)
      updated_at          timestamptz NOT NULL,
      last_run_id         uuid,
      last_run_trigger    text,
      last_run_tick_at    timestamptz,
      last_run_started_at timestamptz,
      last_run_ended_at   timestamptz,
      -- 'running' until the run's end is recorded
      last_run_outcome    text,
      last_run_session_id uuid
    );
    CREATE TABLE scheduler_job_runs (
      -- the run id; for a skipped or missed tick, a uuid derived from the job and the tick
      id           uuid PRIMARY KEY,
      job_id       text NOT NULL,
      kind         text NOT NULL CHECK (kind IN ('run', 'skipped', 'missed')),
      -- run: schedule | misfire | manual
      trigger      text,
      tick_at      timestamptz,
      -- the history's order: the tick, or the start of a manual run
      at           timestamptz NOT NULL,
      started_at   timestamptz,
      ended_at     timestamptz,
      session_id   uuid,
      -- the process that ran it (process_heartbeats)
      owner        uuid,
      -- run: running, then completed | partial | failed | cancelled; null for a skipped or missed tick
      outcome      text,
      attempt      integer,
      message_code text,
      message      text,
      -- skipped: overlap | paused; missed: why
      reason       text,
      summary      jsonb
    );
    CREATE INDEX scheduler_job_runs_job_at_idx ON scheduler_job_runs (job_id, at DESC, id DESC);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS scheduler_job_runs, scheduler_jobs');
}
