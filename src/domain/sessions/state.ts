// The state of a sync session as its events leave it (pure): each record's status, attempt, phase, owner
// and lease, and the session's status; `evolve` folds one event into it.
import type { Counts, recordPhases, SessionEvent, SessionPeriod, sessionCategories } from './events.js';

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
  records: ReadonlyMap<string, RecordState>;
  category?: (typeof sessionCategories)[number];
  /** The process that started the session: its pending records are its own. */
  owner?: string | undefined;
  period?: SessionPeriod | undefined;
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
    case 'SessionStarted': {
      for (const i of event.data.instances) set(i.instanceId, { status: 'pending' });
      const { category, owner, period } = event.data;
      return { status: 'running', records, category, owner, period };
    }
    case 'InstanceSyncStarted': {
      const { attempt, owner, leaseExpiresAt } = event.data;
      set(event.data.instanceId, { status: 'running', attempts: attempt, owner, leaseExpiresAt });
      return { ...state, records };
    }
    case 'InstanceSyncCompleted':
      set(event.data.instanceId, { status: 'completed', messageCode: undefined });
      return { ...state, records };
    case 'InstanceSyncFailed': {
      const { phase, messageCode } = event.data;
      set(event.data.instanceId, { status: 'failed', phase, messageCode });
      return { ...state, records };
    }
    case 'InstanceAttemptFailed': {
      const { phase, messageCode, leaseExpiresAt } = event.data;
      set(event.data.instanceId, { status: 'retrying', phase, messageCode, leaseExpiresAt });
      return { ...state, records };
    }
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
      return { ...state, status: state.status === 'cancelled' ? 'cancelled' : 'running', records };
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
