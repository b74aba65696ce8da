// A record's commands (start, complete, fail, skip, abandon, an operator's retry): given [events] / when
// command / then [events] or the refusal.
import { describe, it } from 'vitest';
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

describe('StartRecord', () => {
  const cmd: SessionCommand = { type: 'StartRecord', sessionId: S, instanceId: A, now, leaseMs: 300_000 };
  it('moves a pending record to running with a lease', () => given(started(A, B)).when(cmd).then(running(A)));
  it('refuses a record already running', () =>
    given(started(A, B), running(A)).when(cmd).thenThrows('CONSTRAINT_VIOLATION'));
  it('refuses an instance outside the session', () =>
    given(started(B)).when(cmd).thenThrows('RESOURCE_NOT_FOUND'));
  it('refuses an unknown session', () => given().when(cmd).thenThrows('RESOURCE_NOT_FOUND'));
});

describe('CompleteRecord / FailRecord', () => {
  it('completes a running record; the session stays open while another is pending', () =>
    given(started(A, B), running(A)).when(complete(A)).then(completed(A)));
  it('closes the session with the last record: all completed -> completed', () =>
    given(started(A, B), running(A), completed(A), running(B))
      .when(complete(B))
      .then(completed(B), closed('completed', { completed: 2 })));
  it('some failed -> partial', () =>
    given(started(A, B), running(A), completed(A), running(B))
      .when(fail(B))
      .then(failed(B), closed('partial', { completed: 1, failed: 1 })));
  it('all failed -> failed', () =>
    given(started(A, B), running(A), failed(A), running(B))
      .when(fail(B))
      .then(failed(B), closed('failed', { failed: 2 })));
  it('refuses to end a record that is not running', () =>
    given(started(A, B)).when(complete(A)).thenThrows('CONSTRAINT_VIOLATION'));
  it('refuses to fail a record twice', () =>
    given(started(A, B), running(A), failed(A)).when(fail(A)).thenThrows('CONSTRAINT_VIOLATION'));
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
      .then(skipped(B), closed('completed', { completed: 1, skipped: 1 })));
  it('refuses to skip a record that ended', () =>
    given(started(A, B), running(A), completed(A)).when(skip(A)).thenThrows('CONSTRAINT_VIOLATION'));
});

describe('AbandonRecord', () => {
  const reason = 'lease expired';
  it('abandons a running record (lease expired); the session closes when nothing is open', () =>
    given(started(A, B), running(A), completed(A), running(B))
      .when(abandon(B, reason))
      .then(abandoned(B, reason), closed('partial', { completed: 1, abandoned: 1 })));
  it('abandons a pending record of a dead session too', () =>
    given(started(A, B), running(A)).when(abandon(B, reason)).then(abandoned(B, reason)));
  it('refuses to abandon a record that ended', () =>
    given(started(A, B), running(A), completed(A))
      .when(abandon(A, reason))
      .thenThrows('CONSTRAINT_VIOLATION'));
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
  it('reopens a failed record of a closed session; completing it closes the session again, completed', () => {
    const history = [
      started(A, B),
      running(A),
      completed(A),
      running(B),
      failed(B),
      closed('partial', { completed: 1, failed: 1 }),
    ];
    given(...history)
      .when(retry)
      .then(retried(B, 'permissions'), running(B, 2));
    given(...history, retried(B, 'permissions'), running(B, 2))
      .when(complete(B))
      .then(completed(B), closed('completed', { completed: 2 }));
  });
  it('refuses to retry a completed record', () =>
    given(started(A, B), running(B), completed(B)).when(retry).thenThrows('CONSTRAINT_VIOLATION'));
  it('refuses to retry in a cancelled session', () =>
    given(started(A, B), running(B), failed(B), cancelled('x'))
      .when(retry)
      .thenThrows('CONSTRAINT_VIOLATION'));
});
