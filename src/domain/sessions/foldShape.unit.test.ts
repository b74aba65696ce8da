// The fold builds every record in one shape (the same keys in the same order, whatever its history): a
// record spread over the one before took the keys of its history, and those spreads were most of a
// 10,000-record fold's CPU. The values are the ones the spreads gave: compared with that fold here.
import { describe, expect, it } from 'vitest';
import {
  A,
  abandoned,
  B,
  cancelled,
  completed,
  failed,
  retried,
  running,
  S,
  started,
} from '../../../test/support/sessionDecider.js';
import { evolve, initialState, type RecordState, type SessionEvent } from './decider.js';

const C = '00000000-0000-4000-8000-00000000000c';
const D = '00000000-0000-4000-8000-00000000000d';

const attemptFailed = (id: string): SessionEvent => ({
  type: 'InstanceAttemptFailed',
  data: {
    sessionId: S,
    instanceId: id,
    attempt: 1,
    phase: 'inventory',
    messageCode: 'TIMEOUT',
    message: 'slow',
    retryAt: '2026-11-22T10:01:00.000Z',
    leaseExpiresAt: '2026-11-22T10:06:00.000Z',
  },
});
const skipped = (id: string): SessionEvent => ({
  type: 'InstanceSyncSkipped',
  data: { sessionId: S, instanceId: id, reason: 'busy' },
});
const startedBy = (id: string, attempt: number): SessionEvent => ({
  type: 'InstanceSyncStarted',
  data: {
    sessionId: S,
    instanceId: id,
    attempt,
    owner: '00000000-0000-4000-8000-0000000000ff',
    leaseExpiresAt: '2026-11-22T10:09:00.000Z',
  },
});

/** The records as the fold made them before (a spread of the record and of the change over it). */
function spreadFold(events: SessionEvent[]): Map<string, RecordState> {
  const records = new Map<string, RecordState>();
  const pending: RecordState = { status: 'pending', attempts: 0, phase: undefined };
  const set = (id: string, patch: Partial<RecordState>) =>
    records.set(id, { ...(records.get(id) ?? pending), ...patch });
  for (const e of events) {
    const d = e.data as unknown as {
      instanceId: string;
      attempt: number;
      owner?: string;
      leaseExpiresAt?: string;
      phase?: RecordState['phase'];
      messageCode?: string;
    };
    if (e.type === 'SessionStarted')
      for (const i of e.data.instances) set(i.instanceId, { status: 'pending' });
    else if (e.type === 'InstanceSyncStarted')
      set(d.instanceId, {
        status: 'running',
        attempts: d.attempt,
        owner: d.owner,
        leaseExpiresAt: d.leaseExpiresAt,
      });
    else if (e.type === 'InstanceSyncCompleted')
      set(d.instanceId, { status: 'completed', messageCode: undefined });
    else if (e.type === 'InstanceSyncFailed')
      set(d.instanceId, { status: 'failed', phase: d.phase, messageCode: d.messageCode });
    else if (e.type === 'InstanceAttemptFailed')
      set(d.instanceId, {
        status: 'retrying',
        phase: d.phase,
        messageCode: d.messageCode,
        leaseExpiresAt: d.leaseExpiresAt,
      });
    else if (e.type === 'InstanceSyncSkipped') set(d.instanceId, { status: 'skipped' });
    else if (e.type === 'InstanceSyncAbandoned') set(d.instanceId, { status: 'abandoned' });
    else if (e.type === 'InstanceSyncRetried') {
      const r = records.get(d.instanceId);
      set(d.instanceId, { status: 'running', attempts: (r?.attempts ?? 0) + 1, phase: d.phase });
    }
  }
  return records;
}

const history: SessionEvent[] = [
  started(A, B, C, D),
  startedBy(A, 1),
  running(B),
  running(C),
  attemptFailed(A),
  startedBy(A, 2),
  completed(A),
  failed(B),
  retried(B, 'permissions'),
  failed(B),
  abandoned(C, 'lease expired'),
  skipped(D),
  cancelled('operator'),
];

describe('the fold', () => {
  it('builds every record in one shape, whatever its history', () => {
    // Every prefix of the history: pending, running, retrying, ended and retried records side by side.
    for (let n = 1; n <= history.length; n++) {
      const state = history.slice(0, n).reduce(evolve, initialState());
      const shapes = new Set([...state.records.values()].map((r) => Object.keys(r).join(',')));
      expect(shapes).toEqual(new Set(['status,attempts,phase,owner,leaseExpiresAt,messageCode']));
    }
  });

  it('gives each record the values the spread over the record before gave', () => {
    for (let n = 1; n <= history.length; n++) {
      const events = history.slice(0, n);
      const state = events.reduce(evolve, initialState());
      expect(new Map(state.records)).toEqual(spreadFold(events));
      expect(state.records.tally).toEqual(
        [...spreadFold(events).values()].reduce<Record<string, number>>(
          (t, r) => ({ ...t, [r.status]: (t[r.status] ?? 0) + 1 }),
          { pending: 0, running: 0, retrying: 0, completed: 0, failed: 0, skipped: 0, abandoned: 0 },
        ),
      );
    }
  });
});
