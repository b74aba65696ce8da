import { describe, it, expect, vi } from 'vitest';
import type { AllStreamResolvedEvent, JSONType, ResolvedEvent } from '@eventstore/db-client';
import type { EventData } from '../../domain/events/envelope.js';
import { createKurrentEventStore } from './kurrentEventStore.js';
import {
  fromResolvedEvent,
  isDomainEvent,
  redactConnectionString,
  toClientConnectionString,
  toKurrentEvent,
} from './kurrentMapping.js';
import { TransactionalAppendUnsupportedError } from './port.js';

const envelope: EventData = {
  eventId: '0b9e0c5e-7a8b-4f4e-9d55-3c0e6f0b1a2c',
  type: 'SessionStarted',
  schemaVersion: 3,
  data: { sessionId: 's-1', tables: ['a', 'b'] },
  metadata: {
    correlationId: 'corr-1',
    causationId: null,
    actor: { kind: 'user', id: 'u-1' },
    occurredAt: '2024-05-01T12:00:00.000Z',
  },
};

const created = new Date('2024-05-01T12:00:01.000Z');

// Shaped like the client's AllStreamResolvedEvent holding a JSON event, as readAll/subscribeToAll yield it.
function allStreamEvent(
  overrides: Partial<NonNullable<AllStreamResolvedEvent['event']>> = {},
): AllStreamResolvedEvent {
  return {
    event: {
      streamId: 'session-s-1',
      id: envelope.eventId,
      isJson: true,
      revision: 4n,
      type: envelope.type,
      created,
      data: envelope.data as JSONType,
      metadata: { ...envelope.metadata, schemaVersion: envelope.schemaVersion },
      position: { commit: 9_007_199_254_740_993n, prepare: 9_007_199_254_740_993n },
      ...overrides,
    } as NonNullable<AllStreamResolvedEvent['event']>,
    commitPosition: 9_007_199_254_740_993n,
  };
}

describe('toKurrentEvent', () => {
  it('writes a JSON event with our id and schemaVersion folded into metadata', () => {
    const written = toKurrentEvent(envelope);
    expect(written).toEqual({
      id: envelope.eventId,
      contentType: 'application/json',
      type: 'SessionStarted',
      data: envelope.data,
      metadata: { ...envelope.metadata, schemaVersion: 3 },
    });
  });
});

describe('fromResolvedEvent', () => {
  it('round-trips an envelope written by toKurrentEvent', () => {
    const written = toKurrentEvent(envelope);
    const recorded = fromResolvedEvent(
      allStreamEvent({
        id: written.id,
        type: written.type,
        data: written.data as JSONType,
        metadata: written.metadata,
      }),
    );
    expect(recorded).toEqual({
      ...envelope,
      streamId: 'session-s-1',
      revision: 4n,
      position: { commit: 9_007_199_254_740_993n, prepare: 9_007_199_254_740_993n },
      recordedAt: created,
    });
  });

  it('keeps schemaVersion out of the returned metadata', () => {
    const recorded = fromResolvedEvent(allStreamEvent());
    expect(recorded.schemaVersion).toBe(3);
    expect(recorded.metadata).not.toHaveProperty('schemaVersion');
    expect(recorded.metadata).toEqual(envelope.metadata);
  });

  it('defaults schemaVersion to 1 when metadata lacks it or is not an object', () => {
    expect(fromResolvedEvent(allStreamEvent({ metadata: { ...envelope.metadata } })).schemaVersion).toBe(1);
    const none = fromResolvedEvent(allStreamEvent({ metadata: undefined }));
    expect(none.schemaVersion).toBe(1);
    expect(none.metadata).toEqual({});
  });

  it('keeps revision and position as bigints, beyond Number.MAX_SAFE_INTEGER', () => {
    const recorded = fromResolvedEvent(
      allStreamEvent({ revision: 2n ** 60n, position: { commit: 2n ** 62n, prepare: 2n ** 62n - 7n } }),
    );
    expect(typeof recorded.revision).toBe('bigint');
    expect(recorded.revision).toBe(2n ** 60n);
    expect(recorded.position).toEqual({ commit: 2n ** 62n, prepare: 2n ** 62n - 7n });
    expect(typeof recorded.position.prepare).toBe('bigint');
  });

  it('falls back to commitPosition when a stream read carries no position (servers before 22.6)', () => {
    const streamRead: ResolvedEvent = {
      event: {
        streamId: 'session-s-1',
        id: envelope.eventId,
        isJson: true,
        revision: 0n,
        type: envelope.type,
        created,
        data: envelope.data as JSONType,
        metadata: { ...envelope.metadata, schemaVersion: 2 },
      },
      commitPosition: 1234n,
    };
    expect(fromResolvedEvent(streamRead).position).toEqual({ commit: 1234n, prepare: 1234n });
  });

  it('refuses an unresolved link', () => {
    expect(() => fromResolvedEvent({ commitPosition: 5n })).toThrow(/unresolved link/);
  });
});

describe('isDomainEvent', () => {
  it('keeps ordinary events', () => {
    expect(isDomainEvent(allStreamEvent())).toBe(true);
  });

  it('skips system events and link events', () => {
    expect(isDomainEvent(allStreamEvent({ type: '$metadata', streamId: '$$session-s-1' }))).toBe(false);
    expect(isDomainEvent(allStreamEvent({ type: '$>' }))).toBe(false);
  });

  it('skips unresolved links (no event)', () => {
    expect(isDomainEvent({ commitPosition: 5n })).toBe(false);
  });

  it('filters a mixed page down to the domain events, in order', () => {
    const page = [
      allStreamEvent({ type: '$statsCollected' }),
      allStreamEvent({ revision: 0n }),
      { commitPosition: 7n },
      allStreamEvent({ revision: 1n }),
    ];
    expect(page.filter(isDomainEvent).map((r) => fromResolvedEvent(r).revision)).toEqual([0n, 1n]);
  });
});

describe('connection strings', () => {
  it('strips user:pass@ from a connection string', () => {
    expect(redactConnectionString('esdb://admin:changeit@localhost:2113?tls=false')).toBe(
      'esdb://localhost:2113?tls=false',
    );
    expect(redactConnectionString('kurrentdb+discover://ops:p%40ss:w0rd@cluster.example.com:2113')).toBe(
      'kurrentdb+discover://cluster.example.com:2113',
    );
    // The client's parser accepts unencoded '/' and '?' in a password, so redaction must too.
    expect(redactConnectionString('esdb://admin:se/cr?et@localhost:2113')).toBe('esdb://localhost:2113');
  });

  it('leaves a connection string without credentials alone', () => {
    expect(redactConnectionString('esdb://localhost:2113?tls=false')).toBe('esdb://localhost:2113?tls=false');
    expect(redactConnectionString('esdb://node1:2113,node2:2113?tlsVerifyCert=false')).toBe(
      'esdb://node1:2113,node2:2113?tlsVerifyCert=false',
    );
  });

  it('maps the KurrentDB schemes onto the ones client 6.x parses', () => {
    expect(toClientConnectionString('kurrentdb://localhost:2113?tls=false')).toBe(
      'esdb://localhost:2113?tls=false',
    );
    expect(toClientConnectionString('kdb://localhost:2113')).toBe('esdb://localhost:2113');
    expect(toClientConnectionString('kurrentdb+discover://a:b@host:2113')).toBe(
      'esdb+discover://a:b@host:2113',
    );
    expect(toClientConnectionString('esdb://localhost:2113')).toBe('esdb://localhost:2113');
  });
});

describe('createKurrentEventStore: an append inside a SQL transaction', () => {
  it('is refused with TransactionalAppendUnsupportedError before anything is sent', async () => {
    // Nothing listens on port 1: a request that went out would fail as unavailable, not as refused.
    const store = createKurrentEventStore('kurrentdb://127.0.0.1:1?tls=false');
    const raw = vi.fn();
    try {
      const appending = store.append('session-s-1', [envelope], {
        expectedRevision: 'any',
        transaction: { raw },
      });
      await expect(appending).rejects.toBeInstanceOf(TransactionalAppendUnsupportedError);
      await expect(appending).rejects.toThrow(/append without one before the transaction commits/);
      expect(raw).not.toHaveBeenCalled();
    } finally {
      await store.close();
    }
  });
});
