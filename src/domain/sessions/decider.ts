// The sync-session decider (pure): records pending -> running -> completed | failed | skipped | abandoned,
// session end states completed / partial / failed / cancelled. When the last open record ends, the same
// decision closes the session, so a session can never stay "running" with every record ended.
import { AppError } from '../errors.js';
import type { compensationActions, recordPhases, sessionCategories, syncTypes } from './events.js';

export type RecordStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped' | 'abandoned';
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

export type SessionEvent =
  | {
      type: 'SessionStarted';
      data: {
        sessionId: string;
        category: (typeof sessionCategories)[number];
        syncType: (typeof syncTypes)[number];
        instances: { instanceId: string; instanceName: string }[];
      };
    }
  | {
      type: 'InstanceSyncStarted';
      data: { sessionId: string; instanceId: string; attempt: number; leaseExpiresAt: string };
    }
  | {
      type: 'InstanceSyncCompleted';
      data: {
        sessionId: string;
        instanceId: string;
        itemsSynced: number;
        itemsCreated: number;
        itemsUpdated: number;
        itemsDeleted: number;
        details: Record<string, unknown>;
      };
    }
  | {
      type: 'InstanceSyncFailed';
      data: { sessionId: string; instanceId: string; phase: Phase; messageCode: string; message: string };
    }
  | { type: 'InstanceSyncSkipped'; data: { sessionId: string; instanceId: string; reason: string } }
  | { type: 'InstanceSyncAbandoned'; data: { sessionId: string; instanceId: string; reason: string } }
  | { type: 'InstanceSyncRetried'; data: { sessionId: string; instanceId: string; phase: Phase } }
  | {
      type: 'CompensationApplied';
      data: {
        sessionId: string;
        instanceId: string;
        action: (typeof compensationActions)[number];
        detail: string;
      };
    }
  | {
      type: 'SessionCompleted';
      data: { sessionId: string; status: 'completed' | 'partial' | 'failed'; counts: Counts };
    }
  | { type: 'SessionCancelled'; data: { sessionId: string; reason: string } };

export interface Counts {
  total: number;
  completed: number;
  failed: number;
  skipped: number;
  abandoned: number;
}

export type SessionCommand =
  | {
      type: 'StartSession';
      sessionId: string;
      category: (typeof sessionCategories)[number];
      syncType: (typeof syncTypes)[number];
      instances: { instanceId: string; instanceName: string }[];
    }
  | { type: 'StartRecord'; sessionId: string; instanceId: string; now: Date; leaseMs: number }
  | {
      type: 'CompleteRecord';
      sessionId: string;
      instanceId: string;
      itemsSynced: number;
      itemsCreated: number;
      itemsUpdated: number;
      itemsDeleted: number;
      details: Record<string, unknown>;
    }
  | {
      type: 'FailRecord';
      sessionId: string;
      instanceId: string;
      phase: Phase;
      messageCode: string;
      message: string;
    }
  | { type: 'SkipRecord'; sessionId: string; instanceId: string; reason: string }
  | { type: 'AbandonRecord'; sessionId: string; instanceId: string; reason: string }
  | { type: 'RetryRecord'; sessionId: string; instanceId: string; phase: Phase; now: Date; leaseMs: number }
  | { type: 'CancelSession'; sessionId: string; reason: string };

const ended = (s: RecordStatus) =>
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
  if (next.status !== 'running' || [...next.records.values()].some((r) => !ended(r.status))) return events;
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
    throw conflict(`record ${command.instanceId} is ${r.status}: it cannot take ${event.type}`);
  return closeIfDone(state, [event], command.sessionId);
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
      if (state.status === 'cancelled') throw conflict(`session ${sessionId} was cancelled`);
      if (r.status !== 'pending') throw conflict(`record ${command.instanceId} is ${r.status}, not pending`);
      const leaseExpiresAt = new Date(command.now.getTime() + command.leaseMs).toISOString();
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
      return endRecord(state, command, (s) => !ended(s), {
        type: 'InstanceSyncAbandoned',
        data: { sessionId, instanceId: command.instanceId, reason: command.reason },
      });
    case 'RetryRecord': {
      const r = recordIn(state, command);
      if (state.status === 'cancelled') throw conflict(`session ${sessionId} was cancelled`);
      if (r.status !== 'failed' && r.status !== 'abandoned')
        throw conflict(`only a failed or abandoned record can be retried; this one is ${r.status}`);
      return [
        {
          type: 'InstanceSyncRetried',
          data: { sessionId, instanceId: command.instanceId, phase: command.phase },
        },
        {
          type: 'InstanceSyncStarted',
          data: {
            sessionId,
            instanceId: command.instanceId,
            attempt: r.attempts + 1,
            leaseExpiresAt: new Date(command.now.getTime() + command.leaseMs).toISOString(),
          },
        },
      ];
    }
    case 'CancelSession': {
      if (state.status === 'none')
        throw new AppError('RESOURCE_NOT_FOUND', `sync session ${sessionId} does not exist`);
      if (state.status !== 'running') throw conflict(`session ${sessionId} is ${state.status}, not running`);
      const open = [...state.records].filter(([, r]) => !ended(r.status));
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
