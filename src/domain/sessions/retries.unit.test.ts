// An in-run retry: FailAttempt leaves the record retrying, the run's RetryRecord starts the next attempt;
// operators' commands on a retrying record. given [events] / when command / then [events] or the refusal.
import { describe, expect, it } from 'vitest';
import type { SessionCommand, SessionEvent } from './decider.js';
import {
  A,
  abandon,
  abandoned,
  B,
  cancelled,
  closed,
  complete,
  completed,
  fail,
  failed,
  given,
  now,
  retried,
  running,
  S,
  started,
} from '../../../test/support/sessionDecider.js';

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
  const retriedInRun = (id: string): SessionEvent[] => [
    retried(id, 'sizes'),
    {
      type: 'InstanceSyncStarted',
      data: { sessionId: S, instanceId: id, attempt: 2, leaseExpiresAt: '2026-11-22T10:05:02.000Z' },
    },
  ];
  it('moves a running record to retrying; the session is not closed though it is the only record', () => {
    given(started(A), running(A)).when(failAttempt(A)).then(attemptFailed(A));
    const { state } = given(started(A), running(A), attemptFailed(A));
    expect(state.status).toBe('running');
    expect(state.records.get(A)).toMatchObject({ status: 'retrying', attempts: 1, phase: 'sizes' });
  });
  it('the run retries a retrying record: InstanceSyncRetried + InstanceSyncStarted, attempt 2', () =>
    given(started(A), running(A), attemptFailed(A))
      .when(retryInRun(A))
      .then(...retriedInRun(A)));
  it('an operator may retry a retrying record too', () =>
    given(started(A), running(A), attemptFailed(A))
      .when({ ...retryInRun(A), inRun: undefined })
      .then(...retriedInRun(A)));
  it('the last attempt fails with FailRecord after a retry: the record fails and the session closes', () =>
    given(started(A), running(A), attemptFailed(A), ...retriedInRun(A))
      .when(fail(A))
      .then(failed(A), closed('failed', { total: 1, failed: 1 })));
  it('refuses FailAttempt on a pending record, an ended one, and one already retrying', () => {
    given(started(A, B)).when(failAttempt(A)).thenThrows('CONSTRAINT_VIOLATION');
    given(started(A, B), running(A), completed(A)).when(failAttempt(A)).thenThrows('CONSTRAINT_VIOLATION');
    given(started(A, B), running(A), failed(A)).when(failAttempt(A)).thenThrows('CONSTRAINT_VIOLATION');
    given(started(A, B), running(A), attemptFailed(A))
      .when(failAttempt(A))
      .thenThrows('CONSTRAINT_VIOLATION');
  });
  it('the in-run retry refuses a record the operator abandoned (or failed) meanwhile', () => {
    given(started(A, B), running(A), attemptFailed(A), abandoned(A, 'abandoned by an operator'))
      .when(retryInRun(A))
      .thenThrows('CONSTRAINT_VIOLATION');
    given(started(A, B), running(A), failed(A)).when(retryInRun(A)).thenThrows('CONSTRAINT_VIOLATION');
  });
  it('a refusal names the record status (context.record_status)', () =>
    given(started(A), running(A), completed(A))
      .when(failAttempt(A))
      .thenThrows({ code: 'CONSTRAINT_VIOLATION', context: { record_status: 'completed' } }));
  it('CancelSession abandons a retrying record', () =>
    given(started(A), running(A), attemptFailed(A))
      .when({ type: 'CancelSession', sessionId: S, reason: 'operator' })
      .then(abandoned(A, 'session cancelled: operator'), cancelled('operator')));
  it('AbandonRecord ends a retrying record (lease expired) and closes the session', () =>
    given(started(A), running(A), attemptFailed(A))
      .when(abandon(A, 'lease expired'))
      .then(abandoned(A, 'lease expired'), closed('failed', { total: 1, abandoned: 1 })));
  it('neither completes nor skips a retrying record (the next attempt starts first)', () => {
    given(started(A), running(A), attemptFailed(A)).when(complete(A)).thenThrows('CONSTRAINT_VIOLATION');
    given(started(A), running(A), attemptFailed(A))
      .when({ type: 'SkipRecord', sessionId: S, instanceId: A, reason: 'x' })
      .thenThrows('CONSTRAINT_VIOLATION');
  });
});
