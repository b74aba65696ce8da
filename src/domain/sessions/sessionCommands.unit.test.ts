// StartSession and CancelSession: given [events] / when command / then [events] or the refusal.
import { describe, it } from 'vitest';
import type { SessionCommand } from './decider.js';
import {
  A,
  abandoned,
  B,
  cancelled,
  closed,
  completed,
  given,
  running,
  S,
  started,
} from '../../../test/support/sessionDecider.js';

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
  it('starts a session with one pending record per instance', () => given().when(start).then(started(A, B)));
  it('refuses a session that exists', () => given(started(A)).when(start).thenThrows('CONSTRAINT_VIOLATION'));
  it('refuses an instance listed twice', () =>
    given()
      .when({
        ...start,
        instances: [
          { instanceId: A, instanceName: 'a' },
          { instanceId: A, instanceName: 'a' },
        ],
      })
      .thenThrows('VALIDATION_ERROR'));
  it('a session with no instances completes at once', () =>
    given()
      .when({ ...start, instances: [] })
      .then(started(), closed('completed', { total: 0 })));
});

describe('CancelSession', () => {
  const cancel: SessionCommand = { type: 'CancelSession', sessionId: S, reason: 'operator' };
  it('abandons every open record and cancels', () =>
    given(started(A, B), running(A))
      .when(cancel)
      .then(
        abandoned(A, 'session cancelled: operator'),
        abandoned(B, 'session cancelled: operator'),
        cancelled('operator'),
      ));
  it('refuses to cancel a closed session', () =>
    given(started(A), running(A), completed(A), closed('completed', { total: 1, completed: 1 }))
      .when(cancel)
      .thenThrows('CONSTRAINT_VIOLATION'));
  it('refuses an unknown session', () => given().when(cancel).thenThrows('RESOURCE_NOT_FOUND'));
});
