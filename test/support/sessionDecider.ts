// The sync-session decider under deciderSpec, with the events and commands its tests share: session S
// of instances A and B, every time from `now`.
import {
  decide,
  evolve,
  initialState,
  type Counts,
  type SessionCommand,
  type SessionEvent,
} from '../../src/domain/sessions/decider.js';
import { spec } from './deciderSpec.js';

export const { given } = spec(decide, evolve, initialState);

export const S = '00000000-0000-4000-8000-000000000001';
export const A = '00000000-0000-4000-8000-00000000000a';
export const B = '00000000-0000-4000-8000-00000000000b';
export const now = new Date('2026-11-22T10:00:00Z');

export const started = (...ids: string[]): SessionEvent => ({
  type: 'SessionStarted',
  data: {
    sessionId: S,
    category: 'account',
    syncType: 'manual_batch',
    instances: ids.map((instanceId) => ({ instanceId, instanceName: instanceId.slice(-1) })),
  },
});
export const running = (id: string, attempt = 1): SessionEvent => ({
  type: 'InstanceSyncStarted',
  data: { sessionId: S, instanceId: id, attempt, leaseExpiresAt: '2026-11-22T10:05:00.000Z' },
});
const outcome = { itemsSynced: 3, itemsCreated: 1, itemsUpdated: 0, itemsDeleted: 0, details: {} };
export const completed = (id: string): SessionEvent => ({
  type: 'InstanceSyncCompleted',
  data: { sessionId: S, instanceId: id, ...outcome },
});
const failure = { phase: 'permissions', messageCode: 'PERMISSION_DENIED', message: 'no' } as const;
export const failed = (id: string): SessionEvent => ({
  type: 'InstanceSyncFailed',
  data: { sessionId: S, instanceId: id, ...failure },
});
export const abandoned = (id: string, reason: string): SessionEvent => ({
  type: 'InstanceSyncAbandoned',
  data: { sessionId: S, instanceId: id, reason },
});
export const retried = (id: string, phase: 'inventory' | 'permissions' | 'sizes'): SessionEvent => ({
  type: 'InstanceSyncRetried',
  data: { sessionId: S, instanceId: id, phase },
});
export const cancelled = (reason: string): SessionEvent => ({
  type: 'SessionCancelled',
  data: { sessionId: S, reason },
});

/** Counts of a session of two records unless `total` says otherwise. */
export const counts = (c: Partial<Counts>): Counts => ({
  total: 2,
  completed: 0,
  failed: 0,
  skipped: 0,
  abandoned: 0,
  ...c,
});
export const closed = (status: 'completed' | 'partial' | 'failed', c: Partial<Counts>): SessionEvent => ({
  type: 'SessionCompleted',
  data: { sessionId: S, status, counts: counts(c) },
});

export const complete = (id: string): SessionCommand => ({
  type: 'CompleteRecord',
  sessionId: S,
  instanceId: id,
  ...outcome,
});
export const fail = (id: string): SessionCommand => ({
  type: 'FailRecord',
  sessionId: S,
  instanceId: id,
  ...failure,
});
export const abandon = (id: string, reason: string): SessionCommand => ({
  type: 'AbandonRecord',
  sessionId: S,
  instanceId: id,
  reason,
});
