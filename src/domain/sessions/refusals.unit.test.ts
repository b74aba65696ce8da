// Refusals in the operator's words, attempts, owners and compensations: given [events] / when command /
// then [events] or the refusal.
import { describe, expect, it } from 'vitest';
import type { SessionCommand, SessionEvent } from './decider.js';
import {
  A,
  abandon,
  B,
  complete,
  completed,
  failed,
  given,
  now,
  retried,
  running,
  S,
  started,
} from '../../../test/support/sessionDecider.js';

describe("refusals in the operator's words, attempts, owners and compensations", () => {
  const retry = (id: string): SessionCommand => ({
    type: 'RetryRecord',
    sessionId: S,
    instanceId: id,
    phase: 'inventory',
    now,
    leaseMs: 60_000,
  });
  const refusal = (message: string) => ({ code: 'CONSTRAINT_VIOLATION', message });
  it('says what the record is and what it cannot do, never an event name', () => {
    given(started(A), running(A), completed(A))
      .when(abandon(A, 'operator'))
      .thenThrows(refusal('the record is completed: it cannot be abandoned'));
    given(started(A, B), running(A))
      .when(retry(A))
      .thenThrows(refusal('the record is running: it cannot be retried until it ends'));
    given(started(A, B))
      .when(retry(A))
      .thenThrows(refusal('the record is pending: it has not run yet, so there is nothing to retry'));
    given(started(A, B), running(A), failed(A))
      .when(complete(A))
      .thenThrows(refusal('the record is failed: it cannot be completed'));
  });
  it("refuses an outcome of an attempt that is not the record's current one", () => {
    const history = [started(A, B), running(A), failed(A), retried(A, 'inventory'), running(A, 2)];
    given(...history)
      .when({ ...complete(A), attempt: 1 } as SessionCommand)
      .thenThrows(
        refusal('the record is running: it is on attempt 2, so the outcome of attempt 1 is dropped'),
      );
    given(...history)
      .when({ ...complete(A), attempt: 2 } as SessionCommand)
      .then(completed(A));
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
      .then({ ...started(A), data: { ...started(A).data, owner } } as SessionEvent);
    const start: SessionCommand = {
      type: 'StartRecord',
      sessionId: S,
      instanceId: A,
      now,
      leaseMs: 300_000,
      owner,
    };
    const withOwner = { ...running(A), data: { ...running(A).data, owner } } as SessionEvent;
    given(started(A)).when(start).then(withOwner);
    expect(given(started(A), withOwner).state.records.get(A)).toMatchObject({
      owner,
      leaseExpiresAt: '2026-11-22T10:05:00.000Z',
    });
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
      .then({
        type: 'CompensationApplied',
        data: { sessionId: S, instanceId: A, action: 'confirm_inventory', detail: 'confirmed' },
      });
    given(started(B)).when(compensate).thenThrows('RESOURCE_NOT_FOUND');
    expect(given(started(A), running(A), failed(A)).state.records.get(A)?.messageCode).toBe(
      'PERMISSION_DENIED',
    );
  });
});
