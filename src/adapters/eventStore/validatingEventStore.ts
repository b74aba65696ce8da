// Puts the event registry in front of a store: every append is validated (unknown types and bad data
// are refused before anything is written), and every read is upcast and validated. Types the
// registry does not know are passed through on read, so catch-all readers (the stream catalog,
// `events tail`) still see events written by newer builds.
import { map } from 'rxjs';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import type { EventRegistry } from '../../domain/events/registry.js';
import type { EventStore } from './port.js';

export function decodeKnown(registry: EventRegistry): (event: RecordedEvent) => RecordedEvent {
  return (event) => (registry.has(event.type) ? registry.decode(event) : event);
}

export function validatingEventStore(store: EventStore, registry: EventRegistry): EventStore {
  const decode = decodeKnown(registry);
  return {
    // async: a validation failure is a rejected promise, like any other append failure.
    append: async (streamId, events, options) =>
      store.append(
        streamId,
        events.map((e) => registry.encode(e)),
        options,
      ),
    readStream: async (streamId, options) => (await store.readStream(streamId, options)).map(decode),
    streamRevision: (streamId) => store.streamRevision(streamId),
    // An id is not validated: nothing of the event's data is read.
    ...(store.eventIdAt && { eventIdAt: store.eventIdAt.bind(store) }),
    readAll: async (options) => (await store.readAll(options)).map(decode),
    readBySession: async (sessionId, options) => (await store.readBySession(sessionId, options)).map(decode),
    subscribeAll: (options) => store.subscribeAll(options).pipe(map(decode)),
    ...(store.followLog && { followLog: store.followLog.bind(store) }),
    headPosition: () => store.headPosition(),
    close: () => store.close(),
  };
}
