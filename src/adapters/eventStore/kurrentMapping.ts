// Mapping between our envelope and the KurrentDB client's types, connection strings, and which client
// errors mean the server is unreachable.
import {
  ANY,
  EventStoreDBClient,
  DeadlineExceededError,
  NO_STREAM,
  STREAM_EXISTS,
  TimeoutError,
  UnavailableError,
  jsonEvent,
} from '@eventstore/db-client';
import type {
  AllStreamResolvedEvent,
  AppendExpectedRevision,
  EventData as KurrentEventData,
  JSONType,
  ResolvedEvent,
} from '@eventstore/db-client';
import type { EventData, EventMetadata, Position, RecordedEvent } from '../../domain/events/envelope.js';
import { EventStoreUnavailableError, type ExpectedRevision } from './port.js';

export type AnyResolvedEvent = ResolvedEvent | AllStreamResolvedEvent;
type KurrentRecordedEvent = NonNullable<AnyResolvedEvent['event']>;

// Big enough to amortise round trips, small enough that one page never holds much memory.
export const PAGE_SIZE = 500;

/** Removes `user:pass@` so connection strings can appear in logs and error messages. */
export function redactConnectionString(connectionString: string): string {
  // Same credentials rule as the client's parser, so whatever it would send as a password is what we strip
  // (an unencoded '/' or '?' in the password included).
  return connectionString.trim().replace(/^([^:]+:\/\/)[^:]+:[^@]+@/, '$1');
}

/** Client 6.x only parses esdb:// and esdb+discover://, while our config also accepts the KurrentDB schemes. */
export function toClientConnectionString(connectionString: string): string {
  return connectionString.trim().replace(/^(?:kurrentdb|kdb)(\+discover)?:\/\//i, 'esdb$1://');
}

export function toKurrentEvent(e: EventData): KurrentEventData {
  return jsonEvent({
    id: e.eventId,
    type: e.type,
    // The envelope's data is JSON by construction (zod schemas); the client's type is narrower than unknown.
    data: e.data as JSONType,
    metadata: { ...e.metadata, schemaVersion: e.schemaVersion },
  });
}

/** False for unresolved links (no `event`) and system events, which are not part of our log. */
export function isDomainEvent<R extends AnyResolvedEvent>(
  resolved: R,
): resolved is R & { event: KurrentRecordedEvent } {
  return resolved.event !== undefined && !resolved.event.type.startsWith('$');
}

export function fromResolvedEvent(resolved: AnyResolvedEvent): RecordedEvent {
  const event = resolved.event;
  if (!event) throw new Error('cannot map a resolved event without an event (unresolved link)');
  const raw = event.metadata;
  const metadataObject =
    typeof raw === 'object' && raw !== null && !Array.isArray(raw) && !(raw instanceof Uint8Array)
      ? (raw as Record<string, unknown>)
      : {};
  const { schemaVersion, ...metadata } = metadataObject;
  return {
    eventId: event.id,
    type: event.type,
    schemaVersion: typeof schemaVersion === 'number' ? schemaVersion : 1,
    data: event.data,
    metadata: metadata as unknown as EventMetadata,
    streamId: event.streamId,
    revision: event.revision,
    position: positionOf(resolved, event),
    recordedAt: event.created,
  };
}

// Servers before 22.6 leave the position off stream reads; there commit and prepare coincide for our
// single-transaction appends, so the resolved event's commit position is a faithful substitute.
function positionOf(resolved: AnyResolvedEvent, event: KurrentRecordedEvent): Position {
  if (event.position) return { commit: event.position.commit, prepare: event.position.prepare };
  if (resolved.commitPosition !== undefined) {
    return { commit: resolved.commitPosition, prepare: resolved.commitPosition };
  }
  throw new Error(`event ${event.id} in ${event.streamId} has no position`);
}

export function toClientExpected(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'no_stream':
      return NO_STREAM;
    case 'any':
      return ANY;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return expected;
  }
}

function isConnectionFailure(err: unknown): boolean {
  if (
    err instanceof UnavailableError ||
    err instanceof DeadlineExceededError ||
    err instanceof TimeoutError
  ) {
    return true;
  }
  if (!(err instanceof Error)) return false;
  // batchAppend can reject with the raw gRPC ServiceError (code 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED) rather
  // than a CommandError, and gossip discovery gives up with a plain Error.
  const code = (err as { code?: unknown }).code;
  return code === 14 || code === 4 || err.message.startsWith('Failed to discover');
}

export async function collect<T>(read: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of read) out.push(item);
  return out;
}

/** A client for `connectionString`, and what turns its connection failures into EventStoreUnavailableError. */
export function connectKurrent(connectionString: string): {
  client: EventStoreDBClient;
  redacted: string;
  translate: (err: unknown) => unknown;
} {
  const redacted = redactConnectionString(connectionString);
  let client: EventStoreDBClient;
  try {
    client = EventStoreDBClient.connectionString(toClientConnectionString(connectionString));
  } catch (err) {
    // The client's ParseError quotes the whole connection string, password included: keep only what it expected.
    const expected = (err as { expected?: unknown }).expected;
    // eslint-disable-next-line preserve-caught-error -- the cause quotes the password
    throw new Error(
      `invalid KurrentDB connection string '${redacted}'${typeof expected === 'string' ? `: expected ${expected}` : ''}`,
    );
  }
  const translate = (err: unknown): unknown => {
    if (!isConnectionFailure(err)) return err;
    const detail = err instanceof Error ? err.message.split(connectionString).join(redacted) : String(err);
    return new EventStoreUnavailableError(`KurrentDB at ${redacted} is unavailable: ${detail}`, {
      cause: err,
    });
  };
  return { client, redacted, translate };
}
