// The commands people issue on a built-in job (PUT /scheduler/jobs/{id}, pause, resume, `whalefall jobs`):
// each decides on the job's stream through executeJob and answers the position of what it appended (null
// when nothing changed), for read-your-writes. A job the log has not registered yet (the scheduler never ran
// on this database: WHALEFALL_SCHEDULER=off) is registered first with its default schedule, as the
// scheduler would, so a change made while it is off holds when it starts. Telling the scheduler to apply
// the change to pg-boss is the caller's (Scheduler.apply), since a process may run without one.
import type { EventStore } from '../../adapters/eventStore/port.js';
import type { Position } from '../../domain/events/envelope.js';
import type { JobId } from '../../domain/scheduler/events.js';
import type { JobCommand } from '../../domain/scheduler/jobState.js';
import type { CommandContext } from '../commandContext.js';
import { jobSpec } from './catalog.js';
import { executeJob, jobIdOf, loadJob } from './jobs.js';

export interface JobCommandDeps {
  store: Pick<EventStore, 'readStream' | 'append'>;
  /** The default time zone of the built-in jobs (WHALEFALL_TIMEZONE). */
  timezone: string;
}

export interface JobChange {
  jobId: JobId;
  /** Of the last event appended; null when the job already was so. */
  position: Position | null;
  changed: boolean;
}

/** executeJob on a store that remembers the position of its last append. */
async function execute(
  deps: JobCommandDeps,
  jobId: JobId,
  commands: (state: Awaited<ReturnType<typeof loadJob>>['state']) => JobCommand,
  ctx: CommandContext,
): Promise<JobChange> {
  let position: Position | null = null;
  const store: JobCommandDeps['store'] = {
    readStream: (...args) => deps.store.readStream(...args),
    append: async (...args) => {
      const result = await deps.store.append(...args);
      position = result.position;
      return result;
    },
  };
  const register: JobCommand = {
    type: 'register',
    cron: jobSpec(jobId).defaultCron,
    timezone: deps.timezone,
  };
  await executeJob(store, jobId, register, ctx);
  const { state } = await loadJob(store, jobId);
  const events = await executeJob(store, jobId, commands(state), ctx);
  return { jobId, position, changed: events.length > 0 };
}

/** A new cron (and time zone: the job's own when omitted); VALIDATION_ERROR naming a bad one. */
export const makeChangeJobSchedule =
  (deps: JobCommandDeps) =>
  (input: { jobId: string; cron: string; timezone?: string | undefined }, ctx: CommandContext) =>
    execute(
      deps,
      jobIdOf(input.jobId),
      (state) => ({ type: 'changeSchedule', cron: input.cron, timezone: input.timezone ?? state.timezone }),
      ctx,
    );

/** No tick runs until resumed (a tick already sent is recorded as skipped, reason paused); a run going goes on. */
export const makePauseJob = (deps: JobCommandDeps) => (jobId: string, ctx: CommandContext) =>
  execute(deps, jobIdOf(jobId), () => ({ type: 'pause' }), ctx);

/** Ticks run again from now on (the ticks while paused are not caught up). */
export const makeResumeJob = (deps: JobCommandDeps) => (jobId: string, ctx: CommandContext) =>
  execute(deps, jobIdOf(jobId), () => ({ type: 'resume' }), ctx);
