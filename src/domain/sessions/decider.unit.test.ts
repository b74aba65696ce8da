// given [events] / when command / then [events] or the refusal's code.
import { describe, expect, it } from 'vitest';
import type { AppError } from '../errors.js';
import { decide, evolve, initialState, type SessionCommand, type SessionEvent } from './decider.js';

const S = '00000000-0000-4000-8000-000000000001';
const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const now = new Date('2026-11-22T10:00:00Z');

const started = (...ids: string[]): SessionEvent => ({
  type: 'SessionStarted',
  data: {
    sessionId: S,
    category: 'account',
    syncType: 'manual_batch',
    instances: ids.map((instanceId) => ({ instanceId, instanceName: instanceId.slice(-1) })),
  },
});
const running = (id: string, attempt = 1): SessionEvent => ({
  type: 'InstanceSyncStarted',
  data: { sessionId: S, instanceId: id, attempt, leaseExpiresAt: '2026-11-22T10:05:00.000Z' },
});
const completed = (id: string): SessionEvent => ({
  type: 'InstanceSyncCompleted',
  data: {
    sessionId: S,
    instanceId: id,
    itemsSynced: 3,
    itemsCreated: 1,
    itemsUpdated: 0,
    itemsDeleted: 0,
    details: {},
  },
});
const failed = (id: string): SessionEvent => ({
  type: 'InstanceSyncFailed',
  data: {
    sessionId: S,
    instanceId: id,
    phase: 'permissions',
    messageCode: 'PERMISSION_DENIED',
    message: 'no',
  },
});

const given = (...events: SessionEvent[]) => ({
  when: (command: SessionCommand) => {
    const state = events.reduce(evolve, initialState());
    return {
      then: (expected: SessionEvent[]) => expect(decide(command, state)).toEqual(expected),
      thenRefuses: (code: string, message?: string) => {
        let thrown: unknown;
        try {
          decide(command, state);
        } catch (err) {
          thrown = err;
        }
        expect((thrown as AppError | undefined)?.code).toBe(code);
        if (message !== undefined) expect((thrown as AppError).message).toBe(message);
      },
    };
  },
});

const complete = (id: string): SessionCommand => ({
  type: 'CompleteRecord',
  sessionId: S,
  instanceId: id,
  itemsSynced: 3,
  itemsCreated: 1,
  itemsUpdated: 0,
  itemsDeleted: 0,
  details: {},
});
const fail = (id: string): SessionCommand => ({
  type: 'FailRecord',
  sessionId: S,
  instanceId: id,
  phase: 'permissions',
  messageCode: 'PERMISSION_DENIED',
  message: 'no',
});
const counts = (c: Partial<Record<'total' | 'completed' | 'failed' | 'skipped' | 'abandoned', number>>) => ({
  total: 2,
  completed: 0,
  failed: 0,
  skipped: 0,
  abandoned: 0,
  ...c,
});

describe('StartSession', () => {
  const start: SessionCommand = {
    type: 'StartSession',
    sessionId: S,
    category: 'account',
    syncType: 'manual_batch',
    instances: [
      { instanceId: A, instanceName: 'a' },
      { instanceId: B, instanceName: 'b' },
    ],
  };
  it('starts a session with one pending record per instance', () =>
    given()
      .when(start)
      .then([started(A, B)]));
  it('refuses a session that exists', () =>
    given(started(A)).when(start).thenRefuses('CONSTRAINT_VIOLATION'));
  it('refuses an instance listed twice', () =>
    given()
      .when({
        ...start,
        instances: [
          { instanceId: A, instanceName: 'a' },
          { instanceId: A, instanceName: 'a' },
        ],
      })
      .thenRefuses('VALIDATION_ERROR'));
  it('a session with no instances completes at once', () =>
    given()
      .when({ ...start, instances: [] })
      .then([
        { ...started(), data: { ...started().data, instances: [] } } as SessionEvent,
        {
          type: 'SessionCompleted',
          data: {
            sessionId: S,
            status: 'completed',
            counts: { total: 0, completed: 0, failed: 0, skipped: 0, abandoned: 0 },
          },
        },
      ]));
});

describe('StartRecord', () => {
  const cmd: SessionCommand = { type: 'StartRecord', sessionId: S, instanceId: A, now, leaseMs: 300_000 };
  it('moves a pending record to running with a lease', () =>
    given(started(A, B))
      .when(cmd)
      .then([running(A)]));
  it('refuses a record already running', () =>
    given(started(A, B), running(A)).when(cmd).thenRefuses('CONSTRAINT_VIOLATION'));
  it('refuses an instance outside the session', () =>
    given(started(B)).when(cmd).thenRefuses('RESOURCE_NOT_FOUND'));
  it('refuses an unknown session', () => given().when(cmd).thenRefuses('RESOURCE_NOT_FOUND'));
});

describe('CompleteRecord / FailRecord', () => {
  it('completes a running record; the session stays open while another is pending', () =>
    given(started(A, B), running(A))
      .when(complete(A))
      .then([completed(A)]));
  it('closes the session with the last record: all completed -> completed', () =>
    given(started(A, B), running(A), completed(A), running(B))
      .when(complete(B))
      .then([
        completed(B),
        {
          type: 'SessionCompleted',
          data: { sessionId: S, status: 'completed', counts: counts({ completed: 2 }) },
        },
      ]));
  it('some failed -> partial', () =>
    given(started(A, B), running(A), completed(A), running(B))
      .when(fail(B))
      .then([
        failed(B),
        {
          type: 'SessionCompleted',
          data: { sessionId: S, status: 'partial', counts: counts({ completed: 1, failed: 1 }) },
        },
      ]));
  it('all failed -> failed', () =>
    given(started(A, B), running(A), failed(A), running(B))
      .when(fail(B))
      .then([
        failed(B),
        { type: 'SessionCompleted', data: { sessionId: S, status: 'failed', counts: counts({ failed: 2 }) } },
      ]));
  it('refuses to end a record that is not running', () =>
    given(started(A, B)).when(complete(A)).thenRefuses('CONSTRAINT_VIOLATION'));
  it('refuses to fail a record twice', () =>
    given(started(A, B), running(A), failed(A)).when(fail(A)).thenRefuses('CONSTRAINT_VIOLATION'));
});

describe('SkipRecord', () => {
  const skip = (id: string): SessionCommand => ({
    type: 'SkipRecord',
    sessionId: S,
    instanceId: id,
    reason: 'no active databases',
  });
  const skipped = (id: string): SessionEvent => ({
    type: 'InstanceSyncSkipped',
    data: { sessionId: S, instanceId: id, reason: 'no active databases' },
  });
  it('skips a pending or running record; skipped counts apart and still makes the session completed', () =>
    given(started(A, B), running(A), completed(A), running(B))
      .when(skip(B))
      .then([
        skipped(B),
        {
          type: 'SessionCompleted',
          data: { sessionId: S, status: 'completed', counts: counts({ completed: 1, skipped: 1 }) },
        },
      ]));
  it('refuses to skip a record that ended', () =>
    given(started(A, B), running(A), completed(A)).when(skip(A)).thenRefuses('CONSTRAINT_VIOLATION'));
});

describe('AbandonRecord', () => {
  const abandon = (id: string): SessionCommand => ({
    type: 'AbandonRecord',
    sessionId: S,
    instanceId: id,
    reason: 'lease expired',
  });
  const abandoned = (id: string): SessionEvent => ({
    type: 'InstanceSyncAbandoned',
    data: { sessionId: S, instanceId: id, reason: 'lease expired' },
  });
  it('abandons a running record (lease expired); the session closes when nothing is open', () =>
    given(started(A, B), running(A), completed(A), running(B))
      .when(abandon(B))
      .then([
        abandoned(B),
        {
          type: 'SessionCompleted',
          data: { sessionId: S, status: 'partial', counts: counts({ completed: 1, abandoned: 1 }) },
        },
      ]));
  it('abandons a pending record of a dead session too', () =>
    given(started(A, B), running(A))
      .when(abandon(B))
      .then([abandoned(B)]));
  it('refuses to abandon a record that ended', () =>
    given(started(A, B), running(A), completed(A)).when(abandon(A)).thenRefuses('CONSTRAINT_VIOLATION'));
});

describe('RetryRecord', () => {
  const retry: SessionCommand = {
    type: 'RetryRecord',
    sessionId: S,
    instanceId: B,
    phase: 'permissions',
    now,
    leaseMs: 300_000,
  };
  const closedPartial: SessionEvent = {
    type: 'SessionCompleted',
    data: { sessionId: S, status: 'partial', counts: counts({ completed: 1, failed: 1 }) },
  };
  it('reopens a failed record of a closed session; completing it closes the session again, completed', () => {
    const history = [started(A, B), running(A), completed(A), running(B), failed(B), closedPartial];
    given(...history)
      .when(retry)
      .then([
        { type: 'InstanceSyncRetried', data: { sessionId: S, instanceId: B, phase: 'permissions' } },
        running(B, 2),
      ]);
    const afterRetry = [
      ...history,
      {
        type: 'InstanceSyncRetried',
        data: { sessionId: S, instanceId: B, phase: 'permissions' },
      } as SessionEvent,
      running(B, 2),
    ];
    given(...afterRetry)
      .when(complete(B))
      .then([
        completed(B),
        {
          type: 'SessionCompleted',
          data: { sessionId: S, status: 'completed', counts: counts({ completed: 2 }) },
        },
      ]);
  });
  it('refuses to retry a completed record', () =>
    given(started(A, B), running(B), completed(B)).when(retry).thenRefuses('CONSTRAINT_VIOLATION'));
  it('refuses to retry in a cancelled session', () =>
    given(started(A, B), running(B), failed(B), {
      type: 'SessionCancelled',
      data: { sessionId: S, reason: 'x' },
    })
      .when(retry)
      .thenRefuses('CONSTRAINT_VIOLATION'));
});

describe('CancelSession', () => {
  const cancel: SessionCommand = { type: 'CancelSession', sessionId: S, reason: 'operator' };
  it('abandons every open record and cancels', () =>
    given(started(A, B), running(A))
      .when(cancel)
      .then([
        {
          type: 'InstanceSyncAbandoned',
          data: { sessionId: S, instanceId: A, reason: 'session cancelled: operator' },
        },
        {
          type: 'InstanceSyncAbandoned',
          data: { sessionId: S, instanceId: B, reason: 'session cancelled: operator' },
        },
        { type: 'SessionCancelled', data: { sessionId: S, reason: 'operator' } },
      ]));
  it('refuses to cancel a closed session', () =>
    given(started(A), running(A), completed(A), {
      type: 'SessionCompleted',
      data: { sessionId: S, status: 'completed', counts: counts({ total: 1, completed: 1 }) },
    })
      .when(cancel)
      .thenRefuses('CONSTRAINT_VIOLATION'));
  it('refuses an unknown session', () => given().when(cancel).thenRefuses('RESOURCE_NOT_FOUND'));
});

describe('FailAttempt / in-run RetryRecord', () => {
  const failAttempt = (id: string): SessionCommand => ({
    type: 'FailAttempt',
    sessionId: S,
    instanceId: id,
    phase: 'sizes',
    messageCode: 'DATABASE_TIMEOUT',
    message: 'slow',
    retryInMs: 2000,
    now,
    leaseMs: 300_000,
  });
  const attemptFailed = (id: string, attempt = 1): SessionEvent => ({
    type: 'InstanceAttemptFailed',
    data: {
      sessionId: S,
      instanceId: id,
      attempt,
      phase: 'sizes',
      messageCode: 'DATABASE_TIMEOUT',
      message: 'slow',
      retryAt: '2026-11-22T10:00:02.000Z',
      leaseExpiresAt: '2026-11-22T10:05:02.000Z',
    },
  });
  const retryInRun = (id: string): Extract<SessionCommand, { type: 'RetryRecord' }> => ({
    type: 'RetryRecord',
    sessionId: S,
    instanceId: id,
    phase: 'sizes',
    now: new Date('2026-11-22T10:00:02Z'),
    leaseMs: 300_000,
    inRun: true,
  });
  const retried = (id: string): SessionEvent[] => [
    { type: 'InstanceSyncRetried', data: { sessionId: S, instanceId: id, phase: 'sizes' } },
    {
      type: 'InstanceSyncStarted',
      data: { sessionId: S, instanceId: id, attempt: 2, leaseExpiresAt: '2026-11-22T10:05:02.000Z' },
    },
  ];
  it('moves a running record to retrying; the session is not closed though it is the only record', () => {
    given(started(A), running(A))
      .when(failAttempt(A))
      .then([attemptFailed(A)]);
    const state = [started(A), running(A), attemptFailed(A)].reduce(evolve, initialState());
    expect(state.status).toBe('running');
    expect(state.records.get(A)).toMatchObject({ status: 'retrying', attempts: 1, phase: 'sizes' });
  });
  it('the run retries a retrying record: InstanceSyncRetried + InstanceSyncStarted, attempt 2', () =>
    given(started(A), running(A), attemptFailed(A)).when(retryInRun(A)).then(retried(A)));
  it('an operator may retry a retrying record too', () =>
    given(started(A), running(A), attemptFailed(A))
      .when({ ...retryInRun(A), inRun: undefined })
      .then(retried(A)));
  it('the last attempt fails with FailRecord after a retry: the record fails and the session closes', () =>
    given(started(A), running(A), attemptFailed(A), ...retried(A))
      .when(fail(A))
      .then([
        failed(A),
        {
          type: 'SessionCompleted',
          data: { sessionId: S, status: 'failed', counts: counts({ total: 1, failed: 1 }) },
        },
      ]));
  it('refuses FailAttempt on a pending record, an ended one, and one already retrying', () => {
    given(started(A, B)).when(failAttempt(A)).thenRefuses('CONSTRAINT_VIOLATION');
    given(started(A, B), running(A), completed(A)).when(failAttempt(A)).thenRefuses('CONSTRAINT_VIOLATION');
    given(started(A, B), running(A), failed(A)).when(failAttempt(A)).thenRefuses('CONSTRAINT_VIOLATION');
    given(started(A, B), running(A), attemptFailed(A))
      .when(failAttempt(A))
      .thenRefuses('CONSTRAINT_VIOLATION');
  });
  it('the in-run retry refuses a record the operator abandoned (or failed) meanwhile', () => {
    const abandoned: SessionEvent = {
      type: 'InstanceSyncAbandoned',
      data: { sessionId: S, instanceId: A, reason: 'abandoned by an operator' },
    };
    given(started(A, B), running(A), attemptFailed(A), abandoned)
      .when(retryInRun(A))
      .thenRefuses('CONSTRAINT_VIOLATION');
    given(started(A, B), running(A), failed(A)).when(retryInRun(A)).thenRefuses('CONSTRAINT_VIOLATION');
  });
  it('a refusal names the record status (context.record_status)', () => {
    const state = [started(A), running(A), completed(A)].reduce(evolve, initialState());
    expect(() => decide(failAttempt(A), state)).toThrow(
      expect.objectContaining({ code: 'CONSTRAINT_VIOLATION', context: { record_status: 'completed' } }),
    );
  });
  it('CancelSession abandons a retrying record', () =>
    given(started(A), running(A), attemptFailed(A))
      .when({ type: 'CancelSession', sessionId: S, reason: 'operator' })
      .then([
        {
          type: 'InstanceSyncAbandoned',
          data: { sessionId: S, instanceId: A, reason: 'session cancelled: operator' },
        },
        { type: 'SessionCancelled', data: { sessionId: S, reason: 'operator' } },
      ]));
  it('AbandonRecord ends a retrying record (lease expired) and closes the session', () =>
    given(started(A), running(A), attemptFailed(A))
      .when({ type: 'AbandonRecord', sessionId: S, instanceId: A, reason: 'lease expired' })
      .then([
        { type: 'InstanceSyncAbandoned', data: { sessionId: S, instanceId: A, reason: 'lease expired' } },
        {
          type: 'SessionCompleted',
          data: { sessionId: S, status: 'failed', counts: counts({ total: 1, abandoned: 1 }) },
        },
      ]));
  it('neither completes nor skips a retrying record (the next attempt starts first)', () => {
    given(started(A), running(A), attemptFailed(A)).when(complete(A)).thenRefuses('CONSTRAINT_VIOLATION');
    given(started(A), running(A), attemptFailed(A))
      .when({ type: 'SkipRecord', sessionId: S, instanceId: A, reason: 'x' })
      .thenRefuses('CONSTRAINT_VIOLATION');
  });
});

describe("refusals in the operator's words, attempts, owners and compensations", () => {
  const abandon = (id: string): SessionCommand => ({
    type: 'AbandonRecord',
    sessionId: S,
    instanceId: id,
    reason: 'operator',
  });
  const retry = (id: string): SessionCommand => ({
    type: 'RetryRecord',
    sessionId: S,
    instanceId: id,
    phase: 'inventory',
    now,
    leaseMs: 60_000,
  });
  it('says what the record is and what it cannot do, never an event name', () => {
    given(started(A), running(A), completed(A))
      .when(abandon(A))
      .thenRefuses('CONSTRAINT_VIOLATION', 'the record is completed: it cannot be abandoned');
    given(started(A, B), running(A))
      .when(retry(A))
      .thenRefuses('CONSTRAINT_VIOLATION', 'the record is running: it cannot be retried until it ends');
    given(started(A, B))
      .when(retry(A))
      .thenRefuses(
        'CONSTRAINT_VIOLATION',
        'the record is pending: it has not run yet, so there is nothing to retry',
      );
    given(started(A, B), running(A), failed(A))
      .when(complete(A))
      .thenRefuses('CONSTRAINT_VIOLATION', 'the record is failed: it cannot be completed');
  });
  it("refuses an outcome of an attempt that is not the record's current one", () => {
    const retried: SessionEvent = {
      type: 'InstanceSyncRetried',
      data: { sessionId: S, instanceId: A, phase: 'inventory' },
    };
    const history = [started(A, B), running(A), failed(A), retried, running(A, 2)];
    given(...history)
      .when({ ...complete(A), attempt: 1 } as SessionCommand)
      .thenRefuses(
        'CONSTRAINT_VIOLATION',
        'the record is running: it is on attempt 2, so the outcome of attempt 1 is dropped',
      );
    given(...history)
      .when({ ...complete(A), attempt: 2 } as SessionCommand)
      .then([completed(A)]);
  });
  it('the owner goes into SessionStarted and InstanceSyncStarted, and into the state', () => {
    const owner = '00000000-0000-4000-8000-0000000000ff';
    given()
      .when({
        type: 'StartSession',
        sessionId: S,
        category: 'account',
        syncType: 'manual_batch',
        instances: [{ instanceId: A, instanceName: 'a' }],
        owner,
      })
      .then([{ ...started(A), data: { ...started(A).data, owner } } as SessionEvent]);
    const start: SessionCommand = {
      type: 'StartRecord',
      sessionId: S,
      instanceId: A,
      now,
      leaseMs: 300_000,
      owner,
    };
    const withOwner = { ...running(A), data: { ...running(A).data, owner } } as SessionEvent;
    given(started(A)).when(start).then([withOwner]);
    const state = [started(A), withOwner].reduce(evolve, initialState());
    expect(state.records.get(A)).toMatchObject({ owner, leaseExpiresAt: '2026-11-22T10:05:00.000Z' });
  });
  it('RecordCompensation appends CompensationApplied for a record of the session', () => {
    const compensate: SessionCommand = {
      type: 'RecordCompensation',
      sessionId: S,
      instanceId: A,
      action: 'confirm_inventory',
      detail: 'confirmed',
    };
    given(started(A), running(A), failed(A))
      .when(compensate)
      .then([
        {
          type: 'CompensationApplied',
          data: { sessionId: S, instanceId: A, action: 'confirm_inventory', detail: 'confirmed' },
        },
      ]);
    given(started(B)).when(compensate).thenRefuses('RESOURCE_NOT_FOUND');
    const state = [started(A), running(A), failed(A)].reduce(evolve, initialState());
    expect(state.records.get(A)?.messageCode).toBe('PERMISSION_DENIED');
  });
});
