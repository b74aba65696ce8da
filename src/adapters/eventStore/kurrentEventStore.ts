// KurrentDB / EventStoreDB implementation of the event store port (how it differs: docs/decisions.md).
import {
  BACKWARDS,
  END,
  FORWARDS,
  START as CLIENT_START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  excludeSystemEvents,
} from '@eventstore/db-client';
import type {
  AllStreamResolvedEvent,
  ReadPosition,
  ReadRevision,
  ResolvedEvent,
} from '@eventstore/db-client';
import { Observable } from 'rxjs';
import { START, comparePositions } from '../../domain/events/envelope.js';
import type { EventData, Position, RecordedEvent } from '../../domain/events/envelope.js';
import {
  PAGE_SIZE,
  collect,
  connectKurrent,
  fromResolvedEvent,
  isDomainEvent,
  toClientExpected,
  toKurrentEvent,
} from './kurrentMapping.js';
import {
  EventStoreUnavailableError,
  FencedAppendError,
  TransactionalAppendUnsupportedError,
  WrongExpectedRevisionError,
  fencesOf,
  type AppendFence,
  type AppendResult,
  type EventStore,
  type ReadAllOptions,
  type ReadStreamOptions,
} from './port.js';

export function createKurrentEventStore(connectionString: string): EventStore {
  const { client, redacted, translate } = connectKurrent(connectionString);

  const guard = async <T>(op: () => Promise<T>): Promise<T> => {
    try {
      return await op();
    } catch (err) {
      throw translate(err);
    }
  };

  const readRaw = async (
    streamId: string,
    fromRevision: ReadRevision,
    direction: typeof FORWARDS | typeof BACKWARDS,
    maxCount?: number,
  ): Promise<ResolvedEvent[]> => {
    try {
      return await collect(
        client.readStream(streamId, {
          fromRevision,
          direction,
          ...(maxCount === undefined ? {} : { maxCount }),
        }),
      );
    } catch (err) {
      if (err instanceof StreamNotFoundError) return [];
      throw err;
    }
  };

  // A retry whose first attempt did land, but whose expected revision is now stale: the stream's tail is
  // exactly these event ids, so report the original result instead of a conflict.
  const priorAppendOf = async (
    streamId: string,
    events: readonly EventData[],
    actual: bigint | 'no_stream',
  ): Promise<AppendResult | undefined> => {
    if (actual === 'no_stream' || events.length === 0 || actual + 1n < BigInt(events.length))
      return undefined;
    const tail = (await readRaw(streamId, END, BACKWARDS, events.length)).reverse();
    if (tail.length !== events.length) return undefined;
    const matches = tail.every((r, i) => r.event?.id.toLowerCase() === events[i]?.eventId.toLowerCase());
    const last = tail[tail.length - 1];
    if (!matches || !last) return undefined;
    const recorded = fromResolvedEvent(last);
    return { nextExpectedRevision: recorded.revision, position: recorded.position };
  };

  /** The id of the latest event of `stream` about each of `keys` (data.instanceId), in one backwards read. */
  const latestAbout = async (stream: string, keys: ReadonlySet<string>): Promise<Map<string, string>> => {
    const latest = new Map<string, string>();
    let from: ReadRevision = END;
    for (;;) {
      const page = await readRaw(stream, from, BACKWARDS, PAGE_SIZE);
      for (const r of page) {
        const key = (r.event?.data as { instanceId?: unknown } | undefined)?.instanceId;
        if (typeof key === 'string' && keys.has(key) && !latest.has(key)) latest.set(key, r.event!.id);
      }
      const oldest = page.at(-1)?.event?.revision;
      if (latest.size === keys.size || page.length < PAGE_SIZE || oldest === undefined || oldest === 0n)
        return latest;
      from = oldest - 1n;
    }
  };

  // No multi-stream transaction here: the fence is read, then the append goes out. An end of the record
  // appended between the two is not seen (docs/decisions.md, "Fenced appends").
  const checkFences = async (streamId: string, fences: readonly AppendFence[]) => {
    if (fences.some((f) => f.stream === streamId))
      throw new RangeError('a fence must name another stream than the one appended to');
    for (const stream of new Set(fences.map((f) => f.stream))) {
      const ofStream = fences.filter((f) => f.stream === stream);
      const latest = await latestAbout(stream, new Set(ofStream.map((f) => f.key)));
      for (const fence of ofStream) {
        const found = latest.get(fence.key);
        if (found?.toLowerCase() !== fence.eventId.toLowerCase())
          throw new FencedAppendError(streamId, fence, found);
      }
    }
  };

  const append: EventStore['append'] = (streamId, events, options) =>
    guard(async () => {
      const { expectedRevision } = options;
      if (options.transaction) throw new TransactionalAppendUnsupportedError('KurrentDB');
      if (events.length === 0) throw new RangeError('append needs at least one event');
      const fences = fencesOf(options);
      if (fences.length > 0) {
        try {
          await checkFences(streamId, fences);
        } catch (err) {
          // A retry of an append that landed while the fence held returns the original result.
          const actual = await streamRevision(streamId);
          const prior =
            err instanceof FencedAppendError
              ? await priorAppendOf(streamId, events, actual ?? 'no_stream')
              : undefined;
          if (prior) return prior;
          throw err;
        }
      }
      try {
        const result = await client.appendToStream(streamId, events.map(toKurrentEvent), {
          expectedRevision: toClientExpected(expectedRevision),
        });
        let position = result.position;
        if (!position) {
          const [last] = await readRaw(streamId, END, BACKWARDS, 1);
          position = last ? fromResolvedEvent(last).position : START;
        }
        return { nextExpectedRevision: result.nextExpectedRevision, position };
      } catch (err) {
        if (!(err instanceof WrongExpectedVersionError)) throw err;
        const prior = await priorAppendOf(streamId, events, err.actualVersion);
        if (prior) return prior;
        throw new WrongExpectedRevisionError(streamId, expectedRevision, err.actualVersion);
      }
    });

  const readStream = (streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> =>
    guard(async () => {
      const direction = options.direction ?? 'forwards';
      const from = options.from ?? (direction === 'forwards' ? 'start' : 'end');
      const fromRevision: ReadRevision = from === 'start' ? CLIENT_START : from === 'end' ? END : from;
      const raw = await readRaw(
        streamId,
        fromRevision,
        direction === 'forwards' ? FORWARDS : BACKWARDS,
        options.maxCount,
      );
      return raw.filter(isDomainEvent).map(fromResolvedEvent);
    });

  const streamRevision = (streamId: string): Promise<bigint | undefined> =>
    guard(async () => (await readRaw(streamId, END, BACKWARDS, 1))[0]?.event?.revision);

  // The client has no look-up by revision alone: the event is read (not decoded by the registry).
  const eventIdAt = (streamId: string, revision: bigint): Promise<string | undefined> =>
    guard(async () => {
      const [resolved] = await readRaw(streamId, revision, FORWARDS, 1);
      return resolved && isDomainEvent(resolved) && resolved.event.revision === revision
        ? fromResolvedEvent(resolved).eventId
        : undefined;
    });

  // The client's readAll takes no filter, so system events are dropped here; paging on past them keeps a
  // short result meaning "end of log" rather than "a page full of system events".
  const readAll = (options: ReadAllOptions = {}): Promise<RecordedEvent[]> =>
    guard(async () => {
      const limit = options.maxCount ?? Number.POSITIVE_INFINITY;
      let cursor: Position | undefined = options.fromPosition === 'start' ? undefined : options.fromPosition;
      const out: RecordedEvent[] = [];
      while (out.length < limit) {
        const before = cursor;
        const fromPosition: ReadPosition = cursor ?? CLIENT_START;
        // One extra for the inclusive fromPosition event, so maxCount: 1 polls fetch two, not a page.
        const want = Math.min(PAGE_SIZE, limit - out.length + 1);
        const page = await collect(client.readAll({ fromPosition, direction: FORWARDS, maxCount: want }));
        for (const resolved of page) {
          const position = resolved.event?.position;
          // readAll is inclusive of fromPosition while the port is exclusive.
          if (position && cursor && comparePositions(position, cursor) <= 0) continue;
          if (position) cursor = { commit: position.commit, prepare: position.prepare };
          if (isDomainEvent(resolved) && out.length < limit) out.push(fromResolvedEvent(resolved));
        }
        if (page.length < want || cursor === before) break;
      }
      return out;
    });

  // KurrentDB has no index on metadata, and its $by_correlation_id projection keys on the correlation id
  // (one per request, not per session): scan $all from the bound, a page at a time, keeping the session's
  // events. The cost is the log written since the session started.
  const readBySession: EventStore['readBySession'] = async (sessionId, options = {}) => {
    const out: RecordedEvent[] = [];
    let from = options.fromPosition ?? 'start';
    for (;;) {
      const page = await readAll({ fromPosition: from, maxCount: PAGE_SIZE });
      out.push(...page.filter((e) => e.metadata.sessionId === sessionId));
      const last = page.at(-1);
      if (!last || page.length < PAGE_SIZE) return out;
      from = last.position;
    }
  };

  const subscribeAll: EventStore['subscribeAll'] = (options = {}) =>
    new Observable<RecordedEvent>((subscriber) => {
      const after = options.fromPosition === 'start' ? undefined : options.fromPosition;
      const subscription = client.subscribeToAll({
        fromPosition: after ?? CLIENT_START,
        filter: excludeSystemEvents(),
      });
      subscription.on('data', (resolved: AllStreamResolvedEvent) => {
        if (!isDomainEvent(resolved)) return;
        try {
          const recorded = fromResolvedEvent(resolved);
          // subscribeToAll is already exclusive; this only guards against a server that is not.
          if (after && comparePositions(recorded.position, after) <= 0) return;
          subscriber.next(recorded);
        } catch (err) {
          subscriber.error(err);
        }
      });
      subscription.on('error', (err: Error) => subscriber.error(translate(err)));
      // A live subscription never ends on its own: an end we did not ask for means the connection went away.
      subscription.on('end', () =>
        subscriber.error(
          new EventStoreUnavailableError(`KurrentDB at ${redacted} ended the $all subscription`),
        ),
      );
      return () => {
        subscription.unsubscribe().catch(() => undefined);
      };
    });

  const headPosition = (): Promise<Position> =>
    guard(async () => {
      let cursor: Position | undefined;
      for (;;) {
        const before = cursor;
        const fromPosition: ReadPosition = cursor ?? END;
        const page = await collect(
          client.readAll({ fromPosition, direction: BACKWARDS, maxCount: PAGE_SIZE }),
        );
        for (const resolved of page) {
          const position = resolved.event?.position;
          if (position && cursor && comparePositions(position, cursor) >= 0) continue;
          if (isDomainEvent(resolved)) return fromResolvedEvent(resolved).position;
          if (position) cursor = { commit: position.commit, prepare: position.prepare };
        }
        if (page.length < PAGE_SIZE || cursor === before) return START;
      }
    });

  return {
    append,
    readStream,
    streamRevision,
    eventIdAt,
    readAll,
    readBySession,
    subscribeAll,
    headPosition,
    close: () => client.dispose(),
  };
}
