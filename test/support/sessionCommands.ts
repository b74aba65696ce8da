// A sync session driven through the real decider in a test: each command decided on the state so far,
// its events, with the test's `metadata`, handed to `append` (the test's own store and waits). For tests that measure what a
// running session's events cost the projections.
import { randomUUID } from 'node:crypto';
import type { EventData, EventMetadata } from '../../src/domain/events/envelope.js';
import * as sessions from '../../src/domain/sessions/decider.js';

export function sessionCommands(
  metadata: (instanceId?: string) => EventMetadata,
  append: (events: EventData[]) => Promise<unknown>,
) {
  let state = sessions.initialState();
  const exec = async (command: sessions.SessionCommand, instanceId?: string) => {
    const events = sessions.decide(command, state);
    state = events.reduce((s, e) => sessions.evolve(s, e), state);
    await append(
      events.map(({ type, data }) => ({
        eventId: randomUUID(),
        type,
        schemaVersion: 1,
        data,
        metadata: metadata(instanceId),
      })),
    );
  };
  return {
    exec,
    start: (sessionId: string, instances: { instanceId: string; instanceName: string }[]) =>
      exec({ type: 'StartSession', sessionId, category: 'capacity', syncType: 'manual_batch', instances }),
    startRecord: (sessionId: string, instanceId: string) =>
      exec({ type: 'StartRecord', sessionId, instanceId, now: new Date(), leaseMs: 60_000 }, instanceId),
    complete: (sessionId: string, instanceId: string, n: number) =>
      exec(
        {
          type: 'CompleteRecord',
          sessionId,
          instanceId,
          attempt: 1,
          itemsSynced: n,
          itemsCreated: n,
          itemsUpdated: 0,
          itemsDeleted: 0,
          details: { n },
        },
        instanceId,
      ),
  };
}
