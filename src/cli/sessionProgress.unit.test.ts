import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../domain/events/envelope.js';
import { evolve, initialState, type SessionEvent } from '../domain/sessions/decider.js';
import { endedLine, newlyEnded, recordViews, statusLine } from './sessionProgress.js';

const [a, b, c] = [
  'aaaaaaaa-0000-4000-8000-000000000001',
  'bbbbbbbb-0000-4000-8000-000000000002',
  'cccccccc-0000-4000-8000-000000000003',
];
const s = 'dddddddd-0000-4000-8000-000000000004';
const history = [
  {
    type: 'SessionStarted',
    data: {
      sessionId: s,
      category: 'account',
      syncType: 'manual_batch',
      instances: [
        { instanceId: a, instanceName: 'maria' },
        { instanceId: b, instanceName: 'pg-main' },
        { instanceId: c, instanceName: 'ora' },
      ],
    },
  },
  {
    type: 'InstanceSyncStarted',
    data: { sessionId: s, instanceId: a, attempt: 1, leaseExpiresAt: '2026-01-01T00:00:00Z' },
  },
  {
    type: 'InstanceSyncStarted',
    data: { sessionId: s, instanceId: b, attempt: 1, leaseExpiresAt: '2026-01-01T00:00:00Z' },
  },
  {
    type: 'InstanceSyncFailed',
    data: {
      sessionId: s,
      instanceId: b,
      phase: 'inventory',
      messageCode: 'DATABASE_CONNECTION_ERROR',
      message: 'refused',
    },
  },
] as unknown as RecordedEvent[];
const state = history.reduce((st, e) => evolve(st, e as unknown as SessionEvent), initialState());

describe('the progress of a session, in instance names', () => {
  it('names the running instances and says why one failed', () => {
    const records = recordViews(history, state);
    expect(statusLine(state, records)).toBe(
      '1/3 ended: 0 completed, 1 failed, 0 skipped, 0 abandoned; running: maria',
    );
    const reported = new Set<string>();
    expect(newlyEnded(records, reported).map(endedLine)).toEqual([
      '  pg-main: failed (in inventory, DATABASE_CONNECTION_ERROR: refused)',
    ]);
    expect(newlyEnded(records, reported)).toEqual([]); // each ended record is told once
  });
});
