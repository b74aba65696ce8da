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

/** The record `id` (pending if the state has none) with `patch` over it. */
const patched = (state: SessionState, id: string, patch: Partial<RecordState>): RecordState => ({
  ...(state.records.get(id) ?? pendingRecord),
  ...patch,
});

/** The state with one record changed (the records after the change are a new version). */
const update = (state: SessionState, id: string, patch: Partial<RecordState>): SessionState => ({
  ...state,
  records: state.records.set(id, patched(state, id, patch)),
});

// Module functions, not closures made per event: a fold calls evolve once per event of the session.
export function evolve(state: SessionState, event: SessionEvent): SessionState {
  switch (event.type) {
    case 'SessionStarted': {
      const records = state.records.with(
        event.data.instances.map(
          (i) => [i.instanceId, patched(state, i.instanceId, { status: 'pending' })] as const,
        ),
      );
      const { category, owner, period } = event.data;
      return { status: 'running', records, category, owner, period };
    }
    case 'InstanceSyncStarted': {
      const { attempt, owner, leaseExpiresAt } = event.data;
      return update(state, event.data.instanceId, {
        status: 'running',
        attempts: attempt,
        owner,
        leaseExpiresAt,
      });
    }
    case 'InstanceSyncCompleted':
      return update(state, event.data.instanceId, { status: 'completed', messageCode: undefined });
    case 'InstanceSyncFailed': {
      const { phase, messageCode } = event.data;
      return update(state, event.data.instanceId, { status: 'failed', phase, messageCode });
    }
    case 'InstanceAttemptFailed': {
      const { phase, messageCode, leaseExpiresAt } = event.data;
      return update(state, event.data.instanceId, { status: 'retrying', phase, messageCode, leaseExpiresAt });
    }
    case 'InstanceSyncSkipped':
      return update(state, event.data.instanceId, { status: 'skipped' });
    case 'InstanceSyncAbandoned':
      return update(state, event.data.instanceId, { status: 'abandoned' });
    case 'InstanceSyncRetried': {
      const r = state.records.get(event.data.instanceId);
      const next = update(state, event.data.instanceId, {
        status: 'running',
        attempts: (r?.attempts ?? 0) + 1,
        phase: event.data.phase,
      });
      // A retry reopens a closed session: it closes again when the record ends.
      return { ...next, status: state.status === 'cancelled' ? 'cancelled' : 'running' };
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
