// A scheduler job's stream: load it, and decide-and-append one command on it with its expected revision,
// decided again when another process appended in between (two processes hearing of one tick: the second
// finds it recorded and appends nothing). The catalog of built-in jobs, and the commands people issue
// (change the schedule, pause, resume), which then tell the scheduler to apply the change.
import type { EventStore, ExpectedRevision } from '../../adapters/eventStore/port.js';
import { AppError } from '../../domain/errors.js';
import { jobIds, jobStream, type JobId } from '../../domain/scheduler/events.js';
import { decideJob } from '../../domain/scheduler/jobDecider.js';
import {
  evolveJob,
  initialJobState,
  type JobCommand,
  type JobEvent,
  type JobState,
} from '../../domain/scheduler/jobState.js';
import { newEvent, type CommandContext } from '../commandContext.js';
import { retryOnConflict } from '../streamWrites.js';

type Store = Pick<EventStore, 'readStream' | 'append'>;

/** The scheduler's context: its events are stamped as they happen (a run lasts minutes), by `clock`. */
export const schedulerContext = (clock: () => Date, correlationId: string): CommandContext => ({
  actor: { kind: 'scheduler', id: 'scheduler' },
  correlationId,
  now: clock(),
  clock,
});

export async function loadJob(
  store: Pick<EventStore, 'readStream'>,
  jobId: JobId,
): Promise<{ state: JobState; revision: ExpectedRevision }> {
  const events = await store.readStream(jobStream(jobId));
  const state = events.reduce(
    (s, e) => evolveJob(s, { type: e.type, data: e.data } as JobEvent, e.metadata.occurredAt),
    initialJobState(),
  );
  const last = events[events.length - 1];
  return { state, revision: last ? last.revision : 'no_stream' };
}

/** Decides `command` on the job's current state and appends what it decides; returns those events. */
export async function executeJob(
  store: Store,
  jobId: JobId,
  command: JobCommand,
  ctx: CommandContext,
  scope: { sessionId?: string | null } = {},
): Promise<JobEvent[]> {
  return retryOnConflict(async () => {
    const { state, revision } = await loadJob(store, jobId);
    const events = decideJob(jobId, command, state);
    if (events.length > 0)
      await store.append(
        jobStream(jobId),
        events.map((e) => newEvent(ctx, e.type, e.data, { sessionId: scope.sessionId ?? undefined })),
        { expectedRevision: revision },
      );
    return events;
  }, 10);
}

export const isJobId = (id: string): id is JobId => (jobIds as readonly string[]).includes(id);

/** The job named `id`, or RESOURCE_NOT_FOUND naming the jobs there are. */
export function jobIdOf(id: string): JobId {
  if (isJobId(id)) return id;
  throw new AppError('RESOURCE_NOT_FOUND', `there is no job '${id}' (jobs: ${jobIds.join(', ')})`, {
    resource: 'job',
    id,
  });
}
