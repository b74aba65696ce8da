// PostgreSQL event store. Readers of the global log only see events whose transaction id is below the
// oldest running transaction (pg_snapshot_xmin), ordered by (transaction_id, global_position): an
// event that took a low position but committed late is never skipped by a reader already past it.
import type pg from 'pg';
import { Observable } from 'rxjs';
import { START, type EventData, type Position, type RecordedEvent } from '../../domain/events/envelope.js';
import { PgNotifier, type WakeReason } from './pgNotifier.js';
import { appendEvents, transactionRunner, type RunQuery } from './postgresAppend.js';
import {
  EventStoreUnavailableError,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type LogRead,
  type ReadAllOptions,
  type ReadBySessionOptions,
  type ReadStreamOptions,
  type SubscribeAllOptions,
} from './port.js';

export interface PostgresEventStoreOptions {
  /** How often a live subscription polls when no notification arrives (a safety net, not the main path). */
  pollIntervalMs?: number;
  /** Events read per query by subscriptions. */
  subscriptionBatchSize?: number;
}

interface EventRow {
  global_position: string;
  commit_id: string;
  stream_id: string;
  stream_revision: string;
  event_id: string;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: EventData['metadata'];
  created_at: Date;
}

// transaction_id is read as text under another name: ORDER BY transaction_id must sort the xid8
// column, not a text alias (as text, '1000' sorts before '999').
const columns = `global_position, transaction_id::text AS commit_id, stream_id, stream_revision,
  event_id, type, schema_version, data, metadata, created_at`;

const toRecorded = (r: EventRow): RecordedEvent => ({
  eventId: r.event_id,
  type: r.type,
  schemaVersion: r.schema_version,
  data: r.data,
  metadata: r.metadata,
  streamId: r.stream_id,
  revision: BigInt(r.stream_revision),
  position: { commit: BigInt(r.commit_id), prepare: BigInt(r.global_position) },
  recordedAt: r.created_at,
});

// START is (-1, -1); xid8 has no negative values, and (0, -1) sorts before every real event.
const positionParams = (p: Position | 'start' | undefined): [string, string] => {
  const pos = p === undefined || p === 'start' ? START : p;
  return [(pos.commit < 0n ? 0n : pos.commit).toString(), pos.prepare.toString()];
};

const isConnectionError = (err: unknown): boolean => {
  const code = (err as { code?: unknown }).code;
  return (
    typeof code === 'string' &&
    (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code) ||
      code.startsWith('08') ||
      code === '57P01')
  );
};

export class PostgresEventStore implements EventStore {
  private readonly notifier: PgNotifier;
  private readonly pollIntervalMs: number;
  private readonly subscriptionBatchSize: number;
  /** readAll calls of this turn of the event loop, by position and count, not yet sent. */
  private readonly pendingReads = new Map<string, Promise<RecordedEvent[]>>();

  constructor(
    private readonly pool: pg.Pool,
    options: PostgresEventStoreOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.subscriptionBatchSize = options.subscriptionBatchSize ?? 500;
    this.notifier = new PgNotifier(pool, 'wf_events');
  }

  async append(
    streamId: string,
    events: readonly EventData[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    if (events.length === 0) throw new RangeError('append needs at least one event');
    const trx = options.transaction;
    if (trx) {
      // Subscribers learn of it when the caller commits.
      const { run, attempt } = transactionRunner(trx);
      const result = await this.guard(() => appendEvents(run, attempt, streamId, events, options));
      await this.notifier.signalOnCommit(trx);
      return result;
    }
    const run: RunQuery = async <R extends pg.QueryResultRow>(query: pg.QueryConfig) =>
      (await this.query<R>(query)).rows;
    const result = await appendEvents(run, (work) => work(), streamId, events, options);
    this.notifier.signal();
    return result;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const from = options.from ?? (backwards ? 'end' : 'start');
    const limit = options.maxCount ?? null;
    let bound = '';
    const params: unknown[] = [streamId, limit];
    if (typeof from === 'bigint') {
      bound = backwards ? 'AND stream_revision <= $3' : 'AND stream_revision >= $3';
      params.push(from.toString());
    } else if ((from === 'end' && !backwards) || (from === 'start' && backwards)) {
      // Forwards from the end, or backwards from the start: at most the one event at that edge.
      const edge = await this.readStream(streamId, {
        direction: backwards ? 'forwards' : 'backwards',
        maxCount: 1,
      });
      return options.maxCount === 0 ? [] : edge;
    }
    const { rows } = await this.query<EventRow>(
      `SELECT ${columns} FROM events WHERE stream_id = $1 ${bound}
       ORDER BY stream_revision ${backwards ? 'DESC' : 'ASC'} LIMIT $2`,
      params,
    );
    return rows.map(toRecorded);
  }

  async streamRevision(streamId: string): Promise<bigint | undefined> {
    const { rows } = await this.query<{ revision: string }>(
      'SELECT revision FROM streams WHERE stream_id = $1',
      [streamId],
    );
    return rows[0] ? BigInt(rows[0].revision) : undefined;
  }

  /** By the unique (stream_id, stream_revision) index; the row's data is never read. */
  async eventIdAt(streamId: string, revision: bigint): Promise<string | undefined> {
    const { rows } = await this.query<{ event_id: string }>(
      'SELECT event_id FROM events WHERE stream_id = $1 AND stream_revision = $2',
      [streamId, revision.toString()],
    );
    return rows[0]?.event_id;
  }

  /**
   * Identical reads asked for in one turn of the event loop (the projection runners one notification wakes,
   * all at the same checkpoint) are sent as one query. The query goes out after every call it answers was
   * made, so each caller sees at least what was committed when it asked; a later call never joins it.
   */
  readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const [commit, prepare] = positionParams(options.fromPosition);
    const limit = options.maxCount ?? null;
    const key = `${commit}/${prepare}/${limit}`;
    let pending = this.pendingReads.get(key);
    if (!pending) {
      pending = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        this.pendingReads.delete(key);
        const { rows } = await this.query<EventRow>(
          `SELECT ${columns} FROM events
           WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
             AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
           ORDER BY transaction_id, global_position
           LIMIT $3`,
          [commit, prepare, limit],
        );
        return rows.map(toRecorded);
      });
      this.pendingReads.set(key, pending);
    }
    return pending.then((events) => [...events]); // each caller its own array (the events are shared)
  }

  // Committed events, with no snapshot-xmin bound (as readStream): an auditor's timeline shows what is
  // committed now. Served by events_session_id_idx (migration 0012), which holds these rows in this order.
  async readBySession(sessionId: string, options: ReadBySessionOptions = {}): Promise<RecordedEvent[]> {
    const [commit, prepare] = positionParams(options.fromPosition);
    const { rows } = await this.query<EventRow>(
      `SELECT ${columns} FROM events
       WHERE metadata->>'sessionId' = $1
         AND (transaction_id, global_position) > ($2::xid8, $3::bigint)
       ORDER BY transaction_id, global_position`,
      [sessionId, commit, prepare],
    );
    return rows.map(toRecorded);
  }

  subscribeAll(options: SubscribeAllOptions = {}): Observable<RecordedEvent> {
    return new Observable<RecordedEvent>((subscriber) => {
      const abort = new AbortController();
      let position: Position | 'start' = options.fromPosition ?? 'start';
      const read = async (): Promise<LogRead> => {
        const batch = await this.readAll({ fromPosition: position, maxCount: this.subscriptionBatchSize });
        for (const event of batch) {
          if (abort.signal.aborted) return 'none';
          subscriber.next(event);
          position = event.position;
        }
        return batch.length === this.subscriptionBatchSize ? 'more' : batch.length > 0 ? 'some' : 'none';
      };
      this.followLog(read, abort.signal).catch((err: unknown) => {
        if (!abort.signal.aborted) subscriber.error(err);
      });
      return () => abort.abort();
    });
  }

  async followLog(read: () => Promise<LogRead>, signal: AbortSignal): Promise<void> {
    // After a notification that showed nothing new, the event is committed but not yet visible (an older
    // transaction, in whichever database of the cluster, holds back the snapshot's xmin): look again soon,
    // backing off towards the polling interval.
    let recheckMs = 0;
    // Registered before reading, so a notification during the read is not missed; kept across full
    // batches (one waiter per wait, not one per batch of a long catch-up).
    let woken: Promise<WakeReason> | undefined;
    while (!signal.aborted) {
      woken ??= this.notifier.next(recheckMs || this.pollIntervalMs, signal);
      const found = await read();
      if (found === 'more' || signal.aborted) continue;
      const reason = await woken;
      woken = undefined;
      if (found === 'some') recheckMs = 0;
      else if (reason === 'notified' || recheckMs > 0) {
        recheckMs = recheckMs === 0 ? 25 : Math.min(recheckMs * 2, this.pollIntervalMs);
        if (recheckMs >= this.pollIntervalMs) recheckMs = 0;
      }
    }
  }

  async headPosition(): Promise<Position> {
    const { rows } = await this.query<{ commit_id: string; global_position: string }>(
      `SELECT transaction_id::text AS commit_id, global_position FROM events
       WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
    );
    const row = rows[0];
    return row ? { commit: BigInt(row.commit_id), prepare: BigInt(row.global_position) } : START;
  }

  async close(): Promise<void> {
    await this.notifier.close();
  }

  // The reads are not named (prepared) as the appends are: named, they made the big-session benchmark's
  // run faster but its V8 heap 153 -> 240 MB (docs/decisions.md, "Prepared statements and lz4 for the store").
  private query<R extends pg.QueryResultRow>(
    sql: string | pg.QueryConfig,
    params: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    return this.guard(() =>
      typeof sql === 'string' ? this.pool.query<R>(sql, params) : this.pool.query<R>(sql),
    );
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (isConnectionError(err)) {
        throw new EventStoreUnavailableError(`event store unreachable: ${(err as Error).message}`, {
          cause: err,
        });
      }
      throw err;
    }
  }
}
