// The sync-session decider (pure): records pending -> running -> completed | failed | skipped | abandoned,
// with running -> retrying -> running for an in-run retry's backoff; session end states completed /
// partial / failed / cancelled. When the last open record ends, the same decision closes the session, so
// a session can never stay "running" with every record ended, nor close while a record waits to retry.
import { AppError } from '../errors.js';
import type { SessionCommand } from './commands.js';
import type { Counts, recordPhases, SessionEvent } from './events.js';

export type { SessionCommand } from './commands.js';
export type { Counts, SessionEvent } from './events.js';

export type RecordStatus =
  'pending' | 'running' | 'retrying' | 'completed' | 'failed' | 'skipped' | 'abandoned';
export type SessionStatus = 'none' | 'running' | 'completed' | 'partial' | 'failed' | 'cancelled';
type Phase = (typeof recordPhases)[number];

export interface RecordState {
  status: RecordStatus;
  attempts: number;
  phase: Phase | undefined;
}

export interface SessionState {
  status: SessionStatus;
  records: ReadonlyMap<string, RecordState>;
}

export const initialState = (): SessionState => ({ status: 'none', records: new Map() });

/** completed, failed, skipped or abandoned: the record is closed (until an operator retries it). */
export const isEndStatus = (s: RecordStatus): boolean =>
  s === 'completed' || s === 'failed' || s === 'skipped' || s === 'abandoned';

export function counts(state: SessionState): Counts {
  const c: Counts = { total: state.records.size, completed: 0, failed: 0, skipped: 0, abandoned: 0 };
  for (const r of state.records.values()) {
    if (r.status === 'completed') c.completed++;
    else if (r.status === 'failed') c.failed++;
    else if (r.status === 'skipped') c.skipped++;
    else if (r.status === 'abandoned') c.abandoned++;
  }
  return c;
}

/** completed: all completed or skipped; failed: none completed or skipped; partial: in between. */
export function endStatus(c: Counts): 'completed' | 'partial' | 'failed' {
  const bad = c.failed + c.abandoned;
  if (bad === 0) return 'completed';
  return bad === c.total ? 'failed' : 'partial';
}

export function evolve(state: SessionState, event: SessionEvent): SessionState {
  const records = new Map(state.records);
  const set = (id: string, patch: Partial<RecordState>) => {
    const current = records.get(id) ?? { status: 'pending' as const, attempts: 0, phase: undefined };
    records.set(id, { ...current, ...patch });
  };
  switch (event.type) {
    case 'SessionStarted':
      for (const i of event.data.instances) set(i.instanceId, { status: 'pending' });
      return { status: 'running', records };
    case 'InstanceSyncStarted':
      set(event.data.instanceId, { status: 'running', attempts: event.data.attempt });
      return { ...state, records };
    case 'InstanceSyncCompleted':
      set(event.data.instanceId, { status: 'completed' });
      return { ...state, records };
    case 'InstanceSyncFailed':
      set(event.data.instanceId, { status: 'failed', phase: event.data.phase });
      return { ...state, records };
    case 'InstanceAttemptFailed':
      set(event.data.instanceId, { status: 'retrying', phase: event.data.phase });
      return { ...state, records };
    case 'InstanceSyncSkipped':
      set(event.data.instanceId, { status: 'skipped' });
      return { ...state, records };
    case 'InstanceSyncAbandoned':
      set(event.data.instanceId, { status: 'abandoned' });
      return { ...state, records };
    case 'InstanceSyncRetried': {
      const r = records.get(event.data.instanceId);
      set(event.data.instanceId, {
        status: 'running',
        attempts: (r?.attempts ?? 0) + 1,
        phase: event.data.phase,
      });
      // A retry reopens a closed session: it closes again when the record ends.
      return { status: state.status === 'cancelled' ? 'cancelled' : 'running', records };
    }
    case 'CompensationApplied':
      return state;
    case 'SessionCompleted':
      return { ...state, status: event.data.status };
    case 'SessionCancelled':
      return { ...state, status: 'cancelled' };
    default: {
      const never: never = event;
      throw new Error(`unknown event ${JSON.stringify(never)}`);
    }
  }
}

const conflict = (message: string) => new AppError('CONSTRAINT_VIOLATION', message);
/** A refusal because of the record's status: `context.record_status` tells a caller whether it ended. */
const recordConflict = (r: RecordState, message: string) =>
  new AppError('CONSTRAINT_VIOLATION', message, { record_status: r.status });

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
  if (next.status !== 'running' || [...next.records.values()].some((r) => !isEndStatus(r.status)))
    return events;
  const c = counts(next);
  return [...events, { type: 'SessionCompleted', data: { sessionId, status: endStatus(c), counts: c } }];
}

/** Ends a record whose status allows it, with `event`; closes the session if it was the last open record. */
function endRecord(
  state: SessionState,
  command: { sessionId: string; instanceId: string },
  allowed: (status: RecordStatus) => boolean,
  event: SessionEvent,
): SessionEvent[] {
  const r = recordIn(state, command);
  if (!allowed(r.status))
    throw recordConflict(r, `record ${command.instanceId} is ${r.status}: it cannot take ${event.type}`);
  return closeIfDone(state, [event], command.sessionId);
}

type CommandOf<T extends SessionCommand['type']> = Extract<SessionCommand, { type: T }>;
const later = (now: Date, ms: number) => new Date(now.getTime() + ms).toISOString();

/** A running record's attempt failed and the run will retry it: the record waits, the session stays open. */
function failAttempt(state: SessionState, command: CommandOf<'FailAttempt'>): SessionEvent[] {
  const r = recordIn(state, command);
  if (r.status !== 'running')
    throw recordConflict(r, `record ${command.instanceId} is ${r.status}: only a running attempt can fail`);
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
  if (state.status === 'cancelled') throw recordConflict(r, `session ${sessionId} was cancelled`);
  if (command.inRun && r.status !== 'retrying')
    throw recordConflict(r, `record ${instanceId} is ${r.status}: the run no longer retries it`);
  if (r.status !== 'retrying' && r.status !== 'failed' && r.status !== 'abandoned')
    throw recordConflict(
      r,
      `only a failed, abandoned or retrying record can be retried; this one is ${r.status}`,
    );
  return [
    { type: 'InstanceSyncRetried', data: { sessionId, instanceId, phase: command.phase } },
    {
      type: 'InstanceSyncStarted',
      data: {
        sessionId,
        instanceId,
        attempt: r.attempts + 1,
        leaseExpiresAt: later(command.now, command.leaseMs),
      },
    },
  ];
}

export function decide(command: SessionCommand, state: SessionState): SessionEvent[] {
  const { sessionId } = command;
  switch (command.type) {
    case 'StartSession': {
      if (state.status !== 'none') throw conflict(`sync session ${sessionId} exists already`);
      const ids = command.instances.map((i) => i.instanceId);
      if (new Set(ids).size !== ids.length)
        throw new AppError('VALIDATION_ERROR', 'an instance is listed twice');
      const started: SessionEvent = {
        type: 'SessionStarted',
        data: {
          sessionId,
          category: command.category,
          syncType: command.syncType,
          instances: command.instances,
        },
      };
      return command.instances.length === 0 ? closeIfDone(state, [started], sessionId) : [started];
    }
    case 'StartRecord': {
      const r = recordIn(state, command);
      if (state.status === 'cancelled') throw recordConflict(r, `session ${sessionId} was cancelled`);
      if (r.status !== 'pending')
        throw recordConflict(r, `record ${command.instanceId} is ${r.status}, not pending`);
      const leaseExpiresAt = later(command.now, command.leaseMs);
      return [
        {
          type: 'InstanceSyncStarted',
          data: { sessionId, instanceId: command.instanceId, attempt: r.attempts + 1, leaseExpiresAt },
        },
      ];
    }
    case 'CompleteRecord': {
      const { type: _t, ...data } = command;
      return endRecord(state, command, (s) => s === 'running', { type: 'InstanceSyncCompleted', data });
    }
    case 'FailRecord': {
      const { type: _t, ...data } = command;
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
    case 'CancelSession': {
      if (state.status === 'none')
        throw new AppError('RESOURCE_NOT_FOUND', `sync session ${sessionId} does not exist`);
      if (state.status !== 'running') throw conflict(`session ${sessionId} is ${state.status}, not running`);
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
