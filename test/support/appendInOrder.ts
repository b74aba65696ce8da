// Appends for tests that write several streams one after another: each append expects the revision the
// previous one to that stream left (no_stream first), so a writer the test did not expect fails it.
import type { AppendResult, EventStore } from '../../src/adapters/eventStore/port.js';
import type { EventData } from '../../src/domain/events/envelope.js';

export function appendInOrder(
  store: Pick<EventStore, 'append'>,
): (stream: string, events: readonly EventData[]) => Promise<AppendResult> {
  const revisions = new Map<string, bigint>();
  return async (stream, events) => {
    const result = await store.append(stream, events, {
      expectedRevision: revisions.get(stream) ?? 'no_stream',
    });
    revisions.set(stream, result.nextExpectedRevision);
    return result;
  };
}
