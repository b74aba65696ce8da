// A session's whole story for `whalefall replay` and GET /sync-sessions/{id}/events: its own stream and
// every event it caused on other streams (inventories, permission facts, stats, aggregations, reverts),
// merged in commit order. Each entry names the instance it concerns, by id and by the name the session
// started with (SessionStarted's instance list): no read table is asked, so any past session replays alike.
import type { EventStore } from '../../adapters/eventStore/port.js';
import { comparePositions, type RecordedEvent } from '../../domain/events/envelope.js';
import { sessionStream, type SessionEvent } from '../../domain/sessions/events.js';

export interface TimelineEntry {
  event: RecordedEvent;
  instanceId: string | null;
  instanceName: string | null;
}

type Started = Extract<SessionEvent, { type: 'SessionStarted' }>;

// From the data, not the metadata: an event that closes the session carries the instance of the record
// whose end closed it in its metadata, yet it concerns no one instance.
const instanceOf = (e: RecordedEvent): string | null => {
  const id = (e.data as { instanceId?: unknown } | null)?.instanceId;
  return typeof id === 'string' ? id : null;
};

/** The timeline in commit order, or undefined when the session has no stream. */
export async function sessionTimeline(
  store: Pick<EventStore, 'readStream' | 'readBySession'>,
  sessionId: string,
): Promise<TimelineEntry[] | undefined> {
  const own = await store.readStream(sessionStream(sessionId));
  const [first] = own;
  if (!first) return undefined;
  // Nothing of a session comes before its first event: a bound for stores that scan their log. The
  // session's own stream is read as well, so an event of it without metadata.sessionId is not lost.
  const elsewhere = await store.readBySession(sessionId, { fromPosition: first.position });
  const ownIds = new Set(own.map((e) => e.eventId));
  const events = [...own, ...elsewhere.filter((e) => !ownIds.has(e.eventId))].sort((a, b) =>
    comparePositions(a.position, b.position),
  );
  const started = first.type === 'SessionStarted' ? (first.data as Started['data']).instances : [];
  const names = new Map(started.map((i) => [i.instanceId, i.instanceName]));
  return events.map((event) => {
    const instanceId = instanceOf(event);
    return { event, instanceId, instanceName: instanceId === null ? null : (names.get(instanceId) ?? null) };
  });
}
