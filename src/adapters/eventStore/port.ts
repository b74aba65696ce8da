// The event store port (docs/architecture.md#the-event-log-postgresql). Two implementations pass one
// contract suite: postgresEventStore.ts (default) and kurrentEventStore.ts (EVENTSTORE_URL).
import type { Observable } from 'rxjs';
import type { EventData, Position, RecordedEvent } from '../../domain/events/envelope.js';

/** 0-based revision of the stream's last event, or one of the three symbolic expectations. */
export type ExpectedRevision = 'no_stream' | 'any' | 'stream_exists' | bigint;

/**
 * "Append only if the latest event of `stream` concerning `key` is `eventId`": an attempt's appends name
 * the InstanceSyncStarted that opened it (stream session-{id}, key the instance id; an event concerns the key
 * when its data.instanceId is the key), so once its record has ended nothing of the attempt lands. The
 * fence stream is never the stream appended to.
 */
export interface AppendFence {
  stream: string;
  key: string;
  eventId: string;
}

/**
 * A caller's open SQL transaction on the event store's database (a knex transaction is one): raw SQL with
 * `?` placeholders, resolving to the driver's result.
 */
export interface SqlTransaction {
  raw(sql: string, bindings: readonly unknown[]): PromiseLike<unknown>;
}

export interface AppendOptions {
  expectedRevision: ExpectedRevision;
  /** Every fence must hold, or the append throws FencedAppendError and stores nothing. */
  fence?: AppendFence | readonly AppendFence[];
  /**
   * Append inside this transaction: the events commit, or roll back, with the caller's rows. A store on
   * another server (KurrentDB) refuses it with TransactionalAppendUnsupportedError before sending anything.
   */
  transaction?: SqlTransaction | undefined;
}

export const fencesOf = (options: AppendOptions): readonly AppendFence[] =>
  options.fence === undefined ? [] : 'stream' in options.fence ? [options.fence] : options.fence;

export interface AppendResult {
  /** Revision of the last event now in the stream: pass it as the next expectedRevision. */
  nextExpectedRevision: bigint;
  /** Position of the last appended event in the global log (for read-your-writes waits). */
  position: Position;
}

export interface ReadStreamOptions {
  /** First revision to read (inclusive). Forwards default 0n; backwards default: the end. */
  from?: bigint | 'start' | 'end';
  direction?: 'forwards' | 'backwards';
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Read events strictly after this position; 'start' (the default) reads from the first event. */
  fromPosition?: Position | 'start';
  maxCount?: number;
}

/**
 * fromPosition bounds the read: events strictly after it. A store with no index on metadata scans its log
 * from there, so pass the session's first event (nothing of a session comes before its SessionStarted).
 */
export type ReadBySessionOptions = Pick<ReadAllOptions, 'fromPosition'>;

export interface SubscribeAllOptions {
  /** Deliver events strictly after this position: first the stored ones (catch-up), then live ones. */
  fromPosition?: Position | 'start';
}

/** What one read of a log follower found: a full batch (read again at once), some events, or none. */
export type LogRead = 'more' | 'some' | 'none';

export interface EventStore {
  /**
   * Appends atomically. Throws WrongExpectedRevisionError on a mismatch, FencedAppendError when a fence does
   * not hold. Re-appending event ids already stored is a no-op that returns the original result.
   */
  append(streamId: string, events: readonly EventData[], options: AppendOptions): Promise<AppendResult>;
  /** Events of one stream in revision order; [] when the stream does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** The stream's last revision, or undefined when it does not exist. */
  streamRevision(streamId: string): Promise<bigint | undefined>;
  /**
   * The id of the stream's event at `revision`, or undefined when there is none: what readStream would
   * give as that event's eventId, without reading (or validating) its data. Optional: a caller without it
   * reads the event.
   */
  eventIdAt?(streamId: string, revision: bigint): Promise<string | undefined>;
  /** Events of all streams in global order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * Events of every stream whose metadata.sessionId is this session (the session's own stream and what it
   * caused elsewhere), in global order. Like readStream it returns what is committed now, so it is a
   * session's timeline, not a cursor to resume from.
   */
  readBySession(sessionId: string, options?: ReadBySessionOptions): Promise<RecordedEvent[]>;
  /** Catch-up then live subscription to all streams, in global order, with no gaps. */
  subscribeAll(options?: SubscribeAllOptions): Observable<RecordedEvent>;
  /**
   * Calls `read` at once, then again each time new events may be readable (an append's notification, a
   * look again soon after a notification that showed nothing yet, polling as a safety net), until the signal
   * aborts; rejects when `read` does. The wait is registered before each read, so an append during it is
   * not missed. Optional: a reader of a store without it waits through subscribeAll.
   */
  followLog?(read: () => Promise<LogRead>, signal: AbortSignal): Promise<void>;
  /** The position of the last event visible to readers now (START when the log is empty). */
  headPosition(): Promise<Position>;
  close(): Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | 'no_stream',
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, found ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** A fence did not hold: the attempt it belongs to has ended, and nothing of this append was stored. */
export class FencedAppendError extends Error {
  constructor(
    readonly streamId: string,
    readonly fence: AppendFence,
    /** The latest event about the key now, if any. */
    readonly latestEventId: string | undefined,
  ) {
    super(
      `append to ${streamId} fenced: the latest event of ${fence.stream} about ${fence.key} is ${latestEventId ?? 'none'}, not ${fence.eventId}`,
    );
    this.name = 'FencedAppendError';
  }
}

export class EventStoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventStoreUnavailableError';
  }
}

/** The store cannot join a caller's SQL transaction (docs/decisions.md, "Appends inside a caller's transaction"). */
export class TransactionalAppendUnsupportedError extends Error {
  constructor(store: string) {
    super(
      `${store} cannot append inside a SQL transaction: append without one before the transaction commits, so a failed append rolls the rows back`,
    );
    this.name = 'TransactionalAppendUnsupportedError';
  }
}
