import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import { recorded } from '../../../test/support/eventFactory.js';
import { foldSessions, recordKey, type SessionTables } from './fold.js';

const t = (minute: number) => `2026-03-01T10:${String(minute).padStart(2, '0')}:00.123456Z`;
const ref = (instanceId: string) => ({ sessionId: 's-1', instanceId });

/** Given events (type, data, minute), the rows the fold leaves, starting from empty tables. */
function given(...events: [string, unknown, number][]) {
  const tables: SessionTables = { sessions: new Map(), records: new Map() };
  const log: RecordedEvent[] = events.map(([type, data, minute], n) => recorded(n, type, data, t(minute)));
  const changed = foldSessions(tables, log);
  return {
    tables,
    changed,
    session: tables.sessions.get('s-1'),
    record: (id: string) => tables.records.get(recordKey('s-1', id)),
  };
}

const items = { itemsSynced: 3, itemsCreated: 1, itemsUpdated: 1, itemsDeleted: 1 };

const started: [string, unknown, number] = [
  'SessionStarted',
  {
    sessionId: 's-1',
    category: 'account',
    syncType: 'manual_batch',
    instances: [
      { instanceId: 'i-1', instanceName: 'one' },
      { instanceId: 'i-2', instanceName: 'two' },
    ],
  },
  0,
];

describe('foldSessions', () => {
  it('starts a session with a pending record per instance, at the time of its event, by its actor', () => {
    const { session, record, changed } = given(started);
    expect(session).toMatchObject({
      status: 'running',
      started_at: t(0),
      completed_at: null,
      total_instances: 2,
      created_by: 'u-1',
    });
    expect(record('i-2')).toMatchObject({ instance_name: 'two', status: 'pending', attempts: 0 });
    expect(changed.sessions).toHaveLength(1);
    expect(changed.records).toHaveLength(2);
  });

  it('keeps the counters in step as records move, and the last SessionCompleted wins', () => {
    const { session, record } = given(
      started,
      ['InstanceSyncStarted', { ...ref('i-1'), attempt: 1, leaseExpiresAt: t(5) }, 1],
      ['InstanceSyncFailed', { ...ref('i-1'), phase: 'connect', messageCode: 'E1', message: 'no route' }, 2],
      ['InstanceSyncSkipped', { ...ref('i-2'), reason: 'inactive' }, 3],
    );
    expect(session).toMatchObject({ failed_instances: 1, skipped_instances: 1, successful_instances: 0 });
    expect(record('i-1')).toMatchObject({
      status: 'failed',
      completed_at: t(2),
      lease_expires_at: null,
      phase: 'connect',
      error_code: 'E1',
      error_message: 'no route',
    });

    const retried = given(
      started,
      ['InstanceSyncFailed', { ...ref('i-1'), phase: 'connect', messageCode: 'E1', message: 'x' }, 1],
      [
        'SessionCompleted',
        {
          sessionId: 's-1',
          status: 'failed',
          counts: { total: 2, completed: 0, failed: 1, skipped: 0, abandoned: 0 },
        },
        2,
      ],
      ['InstanceSyncRetried', { ...ref('i-1'), phase: 'connect' }, 3],
    );
    expect(retried.session).toMatchObject({ status: 'running', completed_at: null, failed_instances: 0 });
    expect(retried.record('i-1')).toMatchObject({ status: 'running', attempts: 1, completed_at: null });
  });

  it('shows a record waiting for a retry as retrying, with the failed attempt and no end', () => {
    const { session, record } = given(
      started,
      ['InstanceSyncStarted', { ...ref('i-1'), attempt: 1, leaseExpiresAt: t(5) }, 1],
      [
        'InstanceAttemptFailed',
        {
          ...ref('i-1'),
          attempt: 1,
          phase: 'inventory',
          messageCode: 'E2',
          message: 'timeout',
          retryAt: t(3),
          leaseExpiresAt: t(9),
        },
        2,
      ],
    );
    expect(record('i-1')).toMatchObject({
      status: 'retrying',
      completed_at: null,
      lease_expires_at: t(9),
      error_code: 'E2',
    });
    expect(session).toMatchObject({ failed_instances: 0 });
  });

  it('keeps compensations in sync_details across a later completion', () => {
    const { record } = given(
      started,
      ['CompensationApplied', { ...ref('i-1'), action: 'revert_inventory', detail: 'restored' }, 1],
      [
        'InstanceSyncCompleted',
        {
          ...ref('i-1'),
          itemsSynced: 3,
          itemsCreated: 1,
          itemsUpdated: 1,
          itemsDeleted: 1,
          details: { accounts: 3 },
        },
        2,
      ],
    );
    expect(record('i-1')).toMatchObject({
      status: 'completed',
      items_synced: 3,
      sync_details: {
        accounts: 3,
        compensations: [{ action: 'revert_inventory', detail: 'restored', at: t(1) }],
      },
    });
  });

  it('a cancelled session is not reopened by a retry; events of unknown rows change nothing', () => {
    const { session } = given(
      started,
      ['SessionCancelled', { sessionId: 's-1', reason: 'stop' }, 1],
      ['InstanceSyncRetried', { ...ref('i-1'), phase: 'connect' }, 2],
    );
    expect(session).toMatchObject({ status: 'cancelled', completed_at: t(1) });
    expect(given(['InstanceSyncSkipped', { ...ref('i-9'), reason: 'x' }, 0]).changed).toEqual({
      sessions: [],
      records: [],
      counters: [],
    });
  });

  it('moves the counters of a session it did not load as changes, and leaves the session rows alone', () => {
    const { tables } = given(started);
    tables.sessions.clear(); // a later batch of record events only: the projection loads no session
    const log = (...events: [string, unknown, number][]) =>
      events.map(([type, data, minute], n) => recorded(10 + n, type, data, t(minute)));
    // A start moves no counter: no session row to write, no change.
    const start = foldSessions(
      tables,
      log(['InstanceSyncStarted', { ...ref('i-1'), attempt: 1, leaseExpiresAt: t(5) }, 1]),
    );
    expect(start.sessions).toEqual([]);
    expect(start.counters).toEqual([]);
    expect(start.records).toHaveLength(1);
    const ends = foldSessions(
      tables,
      log(
        ['InstanceSyncCompleted', { ...ref('i-1'), ...items, details: {} }, 2],
        ['InstanceSyncSkipped', { ...ref('i-2'), reason: 'inactive' }, 3],
        ['InstanceSyncRetried', { ...ref('i-2'), phase: 'connect' }, 4],
      ),
    );
    expect(ends.sessions).toEqual([]);
    expect(ends.counters).toEqual([
      {
        session_id: 's-1',
        successful_instances: 1,
        failed_instances: 0,
        skipped_instances: 0,
        abandoned_instances: 0,
      },
    ]);
  });
});
