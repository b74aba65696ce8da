// The sync-session decider (pure): records pending -> running -> completed | failed | skipped | abandoned,
// with running -> retrying -> running for an in-run retry's backoff; session end states completed /
// partial / failed / cancelled. When the last open record ends, the same decision closes the session, so
// a session can never stay "running" with every record ended, nor close while a record waits to retry.
import { AppError } from '../errors.js';
import type { SessionCommand } from './commands.js';
import type { SessionEvent } from './events.js';
import {
  counts,
  endStatus,
  evolve,
  isEndStatus,
  openRecords,
  type RecordState,
  type RecordStatus,
  type SessionState,
} from './state.js';

export type { SessionCommand } from './commands.js';
export type { Counts, SessionEvent } from './events.js';
export {
  counts,
  endStatus,
  evolve,
  initialState,
  isEndStatus,
  openRecords,
  type RecordState,
  type RecordStatus,
  type SessionState,
  type SessionStatus,
} from './state.js';

const conflict = (message: string) => new AppError('CONSTRAINT_VIOLATION', message);
/**
 * A refusal because of the record's status, in the operator's words ("the record is completed: it cannot
 * be abandoned"); `context.record_status` tells a caller whether it ended.
 */
const recordConflict = (r: RecordState, why: string) =>
  new AppError('CONSTRAINT_VIOLATION', `the record is ${r.status}: ${why}`, { record_status: r.status });

/** An outcome of an earlier attempt than the record's current one: dropped. */
function checkAttempt(r: RecordState, command: { attempt?: number }): void {
  if (command.attempt !== undefined && command.attempt !== r.attempts)
    throw recordConflict(
      r,
      `it is on attempt ${r.attempts}, so the outcome of attempt ${command.attempt} is dropped`,
    );
}

function recordIn(state: SessionState, cmd: { sessionId: string; instanceId: string }): RecordState {
  if (state.status === 'none')
    throw new AppError('RESOURCE_NOT_FOUND', `sync session ${cmd.sessionId} does not exist`);
  const record = state.records.get(cmd.instanceId);
  if (!record)
    throw new AppError(
      'RESOURCE_NOT_FOUND',
      `instance ${cmd.instanceId} is not part of session ${cmd.sessionId}`,
    );
  return record;
}

/** Appends SessionCompleted when `next` has no open record left and the session is still running. */
function closeIfDone(state: SessionState, events: SessionEvent[], sessionId: string): SessionEvent[] {
  const next = events.reduce(evolve, state);
  // From the records' tally, not a scan: a session of many records decides once per record.
  if (next.status !== 'running' || openRecords(next) > 0) return events;
  const c = counts(next);
  return [...events, { type: 'SessionCompleted', data: { sessionId, status: endStatus(c), counts: c } }];
}

/** Ends a record whose status allows it, with `event`; closes the session if it was the last open record. */
function endRecord(
  state: SessionState,
  command: { sessionId: string; instanceId: string; attempt?: number },
  allowed: (status: RecordStatus) => boolean,
  event: SessionEvent & { type: keyof typeof endVerbs },
): SessionEvent[] {
  const r = recordIn(state, command);
  if (!allowed(r.status)) throw recordConflict(r, `it cannot be ${endVerbs[event.type]}`);
  checkAttempt(r, command);
  return closeIfDone(state, [event], command.sessionId);
}

const endVerbs = {
  InstanceSyncCompleted: 'completed',
  InstanceSyncFailed: 'failed',
  InstanceSyncSkipped: 'skipped',
  InstanceSyncAbandoned: 'abandoned',
} as const;

type CommandOf<T extends SessionCommand['type']> = Extract<SessionCommand, { type: T }>;
const later = (now: Date, ms: number) => new Date(now.getTime() + ms).toISOString();

/** A running record's attempt failed and the run will retry it: the record waits, the session stays open. */
function failAttempt(state: SessionState, command: CommandOf<'FailAttempt'>): SessionEvent[] {
  const r = recordIn(state, command);
  if (r.status !== 'running') throw recordConflict(r, 'only a running attempt can fail');
  checkAttempt(r, command);
  const { sessionId, instanceId, phase, messageCode, message, now, retryInMs, leaseMs } = command;
  return [
    {
      type: 'InstanceAttemptFailed',
      data: {
        sessionId,
        instanceId,
        attempt: r.attempts,
        phase,
        messageCode,
        message,
        retryAt: later(now, retryInMs),
        leaseExpiresAt: later(now, retryInMs + leaseMs),
      },
    },
  ];
}

/** The next attempt: from retrying (the run's, `inRun`), or failed / abandoned (an operator's). */
function retryRecord(state: SessionState, command: CommandOf<'RetryRecord'>): SessionEvent[] {
  const { sessionId, instanceId } = command;
  const r = recordIn(state, command);
  if (state.status === 'cancelled') throw cancelled(r);
  if (command.inRun && r.status !== 'retrying') throw recordConflict(r, 'the run no longer retries it');
  if (r.status !== 'retrying' && r.status !== 'failed' && r.status !== 'abandoned')
    throw recordConflict(r, notRetryable[r.status]);
  return [
    { type: 'InstanceSyncRetried', data: { sessionId, instanceId, phase: command.phase } },
    started(command, r.attempts + 1),
  ];
}

const notRetryable: Record<RecordStatus, string> = {
  pending: 'it has not run yet, so there is nothing to retry',
  running: 'it cannot be retried until it ends',
  completed: 'there is nothing to retry',
  skipped: 'it cannot be retried (start a new session for this instance)',
  retrying: '',
  failed: '',
  abandoned: '',
};

const cancelled = (r: RecordState) =>
  recordConflict(r, 'the session was cancelled, so its records cannot be started or retried');

/** InstanceSyncStarted of attempt `attempt`, with its lease and (if given) the process running it. */
function started(
  command: { sessionId: string; instanceId: string; now: Date; leaseMs: number; owner?: string },
  attempt: number,
): SessionEvent {
  const { sessionId, instanceId, owner } = command;
  const leaseExpiresAt = later(command.now, command.leaseMs);
  return {
    type: 'InstanceSyncStarted',
    data: { sessionId, instanceId, attempt, leaseExpiresAt, ...(owner ? { owner } : {}) },
  };
}

export function decide(command: SessionCommand, state: SessionState): SessionEvent[] {
  const { sessionId } = command;
  switch (command.type) {
    case 'StartSession': {
      if (state.status !== 'none') throw conflict(`the session ${sessionId} exists already`);
      const ids = command.instances.map((i) => i.instanceId);
      if (new Set(ids).size !== ids.length)
        throw new AppError('VALIDATION_ERROR', 'an instance is listed twice');
      const { category, syncType, instances, owner, period } = command;
      const opened: SessionEvent = {
        type: 'SessionStarted',
        data: {
          sessionId,
          category,
          syncType,
          instances,
          ...(owner ? { owner } : {}),
          ...(period ? { period } : {}),
        },
      };
      return instances.length === 0 ? closeIfDone(state, [opened], sessionId) : [opened];
    }
    case 'StartRecord': {
      const r = recordIn(state, command);
      if (state.status === 'cancelled') throw cancelled(r);
      if (r.status !== 'pending') throw recordConflict(r, 'it has started already');
      return [started(command, r.attempts + 1)];
    }
    case 'CompleteRecord': {
      const { type: _t, attempt: _a, ...data } = command;
      return endRecord(state, command, (s) => s === 'running', { type: 'InstanceSyncCompleted', data });
    }
    case 'FailRecord': {
      const { type: _t, attempt: _a, ...data } = command;
      return endRecord(state, command, (s) => s === 'running', { type: 'InstanceSyncFailed', data });
    }
    case 'SkipRecord':
      return endRecord(state, command, (s) => s === 'pending' || s === 'running', {
        type: 'InstanceSyncSkipped',
        data: { sessionId, instanceId: command.instanceId, reason: command.reason },
      });
    case 'AbandonRecord':
      return endRecord(state, command, (s) => !isEndStatus(s), {
        type: 'InstanceSyncAbandoned',
        data: { sessionId, instanceId: command.instanceId, reason: command.reason },
      });
    case 'FailAttempt':
      return failAttempt(state, command);
    case 'RetryRecord':
      return retryRecord(state, command);
    case 'RecordCompensation': {
      recordIn(state, command);
      const { type: _t, ...data } = command;
      return [{ type: 'CompensationApplied', data }];
    }
    case 'CancelSession': {
      if (state.status === 'none')
        throw new AppError('RESOURCE_NOT_FOUND', `sync session ${sessionId} does not exist`);
      if (state.status !== 'running')
        throw conflict(`the session is ${state.status}: it cannot be cancelled`);
      const open = [...state.records].filter(([, r]) => !isEndStatus(r.status));
      return [
        ...open.map(([instanceId]): SessionEvent => ({
          type: 'InstanceSyncAbandoned',
          data: { sessionId, instanceId, reason: `session cancelled: ${command.reason}` },
        })),
        { type: 'SessionCancelled', data: { sessionId, reason: command.reason } },
      ];
    }
    default: {
      const never: never = command;
      throw new Error(`unknown command ${JSON.stringify(never)}`);
    }
  }
}
