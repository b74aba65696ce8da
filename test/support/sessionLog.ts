// A session of many records written as the session runner writes it: the real decider's events, appended
// to the session's stream in batches, for the server's projections to build its rows.
import { randomUUID } from 'node:crypto';
import type { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import type { EventData, EventMetadata } from '../../src/domain/events/envelope.js';
import {
  decide,
  evolve,
  initialState,
  type SessionCommand,
  type SessionEvent,
} from '../../src/domain/sessions/decider.js';
import { sessionStream } from '../../src/domain/sessions/events.js';
import { appendInOrder } from './appendInOrder.js';
import { testMetadata } from './eventFactory.js';

/** The name of the i-th instance of a session: db-00000, db-00001, ... (their order is the records'). */
export const recordName = (i: number) => `db-${String(i).padStart(5, '0')}`;

/** A session event as the session executor appends it: the session's id (and the record's instance). */
export const sessionEventData = (
  sessionId: string,
  event: SessionEvent,
  metadata: Partial<EventMetadata> = {},
): EventData => ({
  eventId: randomUUID(),
  type: event.type,
  schemaVersion: 1,
  data: event.data,
  metadata: testMetadata({
    ...metadata,
    sessionId,
    ...('instanceId' in event.data ? { instanceId: event.data.instanceId } : {}),
  }),
});

/**
 * Runs a session through the real decider and appends what it decides, in the runner's order: every
 * record starts; one in 100 fails (in the permissions phase, or inventory for every fifth of those);
 * one in 10 completes; the rest are abandoned when the session is cancelled.
 */
export async function writeSession(store: PostgresEventStore, sessionId: string, count: number) {
  const append = appendInOrder(store);
  const instances = Array.from({ length: count }, (_, i) => ({
    instanceId: randomUUID(),
    instanceName: recordName(i),
  }));
  let state = initialState();
  let pending: ReturnType<typeof decide> = [];
  const flush = async () => {
    const events = pending;
    pending = [];
    if (events.length === 0) return;
    await append(
      sessionStream(sessionId),
      events.map((event) => sessionEventData(sessionId, event)),
    );
  };
  const exec = async (command: SessionCommand) => {
    const events = decide(command, state);
    for (const event of events) state = evolve(state, event);
    pending.push(...events);
    if (pending.length >= 1000) await flush();
  };
  await exec({ type: 'StartSession', sessionId, category: 'account', syncType: 'manual_batch', instances });
  for (const [i, { instanceId }] of instances.entries()) {
    await exec({ type: 'StartRecord', sessionId, instanceId, now: new Date(), leaseMs: 600_000 });
    if (i % 100 === 7)
      await exec({
        type: 'FailRecord',
        sessionId,
        instanceId,
        phase: i % 500 === 7 ? 'inventory' : 'permissions',
        messageCode: 'PERMISSION_DENIED',
        message: 'denied',
      });
    else if (i % 10 === 3)
      await exec({
        type: 'CompleteRecord',
        sessionId,
        instanceId,
        itemsSynced: 1,
        itemsCreated: 0,
        itemsUpdated: 0,
        itemsDeleted: 0,
        details: {},
      });
  }
  await exec({ type: 'CancelSession', sessionId, reason: 'test' });
  await flush();
  return instances;
}
