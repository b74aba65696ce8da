// The state of a sync session as its events leave it (pure): each record's status, attempt, phase, owner
// and lease, and the session's status; `evolve` folds one event into it. The records are a persistent
// map (records.ts): an event changes one record in O(1), and every state handed out keeps its records.
import type { Counts, recordPhases, SessionEvent, SessionPeriod, sessionCategories } from './events.js';
import { SessionRecords } from './records.js';

export type RecordStatus =
  'pending' | 'running' | 'retrying' | 'completed' | 'failed' | 'skipped' | 'abandoned';
export type SessionStatus = 'none' | 'running' | 'completed' | 'partial' | 'failed' | 'cancelled';
type Phase = (typeof recordPhases)[number];

export interface RecordState {
  status: RecordStatus;
  attempts: number;
  phase: Phase | undefined;
  /** The process running the current attempt (InstanceSyncStarted.owner), if it said. */
  owner?: string | undefined;
  /** Until when the current attempt (or its backoff) may run. */
  leaseExpiresAt?: string | undefined;
  /** The code of the last failure (InstanceSyncFailed or InstanceAttemptFailed). */
  messageCode?: string | undefined;
}

export interface SessionState {
  status: SessionStatus;
  records: SessionRecords;
  category?: (typeof sessionCategories)[number];
  /** The process that started the session: its pending records are its own. */
  owner?: string | undefined;
  period?: SessionPeriod | undefined;
}

export const initialState = (): SessionState => ({ status: 'none', records: SessionRecords.empty() });

/** completed, failed, skipped or abandoned: the record is closed (until an operator retries it). */
export const isEndStatus = (s: RecordStatus): boolean =>
  s === 'completed' || s === 'failed' || s === 'skipped' || s === 'abandoned';

export function counts(state: SessionState): Counts {
  const { completed, failed, skipped, abandoned } = state.records.tally;
  return { total: state.records.size, completed, failed, skipped, abandoned };
}

/** How many records have not ended (pending, running or retrying). */
export function openRecords(state: SessionState): number {
  const { pending, running, retrying } = state.records.tally;
  return pending + running + retrying;
}

/** completed: all completed or skipped; failed: none completed or skipped; partial: in between. */
export function endStatus(c: Counts): 'completed' | 'partial' | 'failed' {
  const bad = c.failed + c.abandoned;
  if (bad === 0) return 'completed';
  return bad === c.total ? 'failed' : 'partial';
}

const pendingRecord: RecordState = { status: 'pending', attempts: 0, phase: undefined };

// Records and states are built as object literals of one fixed shape, not spread over the one before: a
// spread per event was most of a fold's own CPU (two spreads per record change and one per state), and
// one shape keeps V8 on its fast path. A field a record had no value for reads undefined as before.
/** Every field of T, optional ones too: a field added to the state later cannot be left out here. */
type Every<T> = { [K in keyof Required<T>]: T[K] };

const record = (
  status: RecordStatus,
  attempts: number,
  phase: Phase | undefined,
  owner: string | undefined,
  leaseExpiresAt: string | undefined,
  messageCode: string | undefined,
): RecordState =>
  ({ status, attempts, phase, owner, leaseExpiresAt, messageCode }) satisfies Every<RecordState>;

/** The state with its records replaced by `records` (a new version of them). */
const withRecords = (state: SessionState, records: SessionRecords): SessionState =>
  ({
    status: state.status,
    records,
    category: state.category,
    owner: state.owner,
    period: state.period,
  }) satisfies Every<SessionState>;

/** The record `id`, pending if the state has none. */
const current = (state: SessionState, id: string): RecordState => state.records.get(id) ?? pendingRecord;

/** The state with the record `id` in `status`, the rest of it unchanged. */
function moveTo(state: SessionState, id: string, status: RecordStatus): SessionState {
  const r = current(state, id);
  const next = record(status, r.attempts, r.phase, r.owner, r.leaseExpiresAt, r.messageCode);
  return withRecords(state, state.records.set(id, next));
}

// Module functions, not closures made per event: a fold calls evolve once per event of the session.
export function evolve(state: SessionState, event: SessionEvent): SessionState {
  switch (event.type) {
    case 'SessionStarted': {
      const records = state.records.with(
        event.data.instances.map((i) => {
          const r = current(state, i.instanceId);
          const pending = record('pending', r.attempts, r.phase, r.owner, r.leaseExpiresAt, r.messageCode);
          return [i.instanceId, pending] as const;
        }),
      );
      const { category, owner, period } = event.data;
      return { status: 'running', records, category, owner, period };
    }
    case 'InstanceSyncStarted': {
      const { instanceId, attempt, owner, leaseExpiresAt } = event.data;
      const r = current(state, instanceId);
      const next = record('running', attempt, r.phase, owner, leaseExpiresAt, r.messageCode);
      return withRecords(state, state.records.set(instanceId, next));
    }
    case 'InstanceSyncCompleted': {
      const r = current(state, event.data.instanceId);
      const next = record('completed', r.attempts, r.phase, r.owner, r.leaseExpiresAt, undefined);
      return withRecords(state, state.records.set(event.data.instanceId, next));
    }
    case 'InstanceSyncFailed': {
      const { instanceId, phase, messageCode } = event.data;
      const r = current(state, instanceId);
      const next = record('failed', r.attempts, phase, r.owner, r.leaseExpiresAt, messageCode);
      return withRecords(state, state.records.set(instanceId, next));
    }
    case 'InstanceAttemptFailed': {
      const { instanceId, phase, messageCode, leaseExpiresAt } = event.data;
      const r = current(state, instanceId);
      const next = record('retrying', r.attempts, phase, r.owner, leaseExpiresAt, messageCode);
      return withRecords(state, state.records.set(instanceId, next));
    }
    case 'InstanceSyncSkipped':
      return moveTo(state, event.data.instanceId, 'skipped');
    case 'InstanceSyncAbandoned':
      return moveTo(state, event.data.instanceId, 'abandoned');
    case 'InstanceSyncRetried': {
      const { instanceId, phase } = event.data;
      const r = current(state, instanceId);
      const next = record('running', r.attempts + 1, phase, r.owner, r.leaseExpiresAt, r.messageCode);
      // A retry reopens a closed session: it closes again when the record ends.
      const status = state.status === 'cancelled' ? 'cancelled' : 'running';
      return { ...withRecords(state, state.records.set(instanceId, next)), status };
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
