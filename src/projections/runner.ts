// Runs one projection: reads the log after its checkpoint in batches and applies each batch and the
// new checkpoint in one transaction (compare-and-set), so effects happen exactly once, even across
// crashes or several processes (batchCommit.ts: the runners woken by one append share it, and one
// statement moves their checkpoints); a batch with nothing it handles only moves the checkpoint. Wakes on new events (LISTEN/NOTIFY through the store's followLog), polls as
// a fallback, and backs off when a handler fails, without moving past the failing batch. With several
// processes only one leads a projection (leadership.ts); the others follow: they apply nothing and read
// the leader's checkpoint from projection_checkpoints, so waitForPosition and status still answer.
import type { Knex } from 'knex';
import {
  START,
  comparePositions,
  formatPosition,
  type Position,
  type RecordedEvent,
} from '../domain/events/envelope.js';
import type { EventStore, LogRead } from '../adapters/eventStore/port.js';
import type { Logger } from '../logger.js';
import {
  CheckpointMovedError,
  readCheckpoint,
  readLeaderCheckpoint,
  recordProjectionError,
} from './checkpoints.js';
import { sleep, untilAborted } from './abortable.js';
import { commitBatch } from './batchCommit.js';
import { tailLog } from './logTail.js';
import { handles, liveTables, type Projection } from './projection.js';
import { PositionWaiters } from './positionWaiters.js';
import { errorMessage } from '../domain/errors.js';

export type Decode = (event: RecordedEvent) => RecordedEvent;

export interface RunnerOptions {
  projection: Projection;
  store: EventStore;
  knex: Knex;
  logger: Logger;
  /** Validates and upcasts a stored event (EventRegistry.decode); identity when omitted. */
  decode?: Decode;
  batchSize?: number;
  /** Longest idle wait before reading again when no notification arrives (a store without followLog). */
  idleWaitMs?: number;
  maxBackoffMs?: number;
  /** Following: how often the checkpoint row is read while a waitForPosition waits. */
  followPollMs?: number;
  /** Following: how often it is read otherwise (for status). */
  followRefreshMs?: number;
}

export interface RunnerStatus {
  projection: string;
  checkpoint: Position;
  /** Leading or following (false once stopped). */
  running: boolean;
  /** This process applies the projection; false while it follows another process's checkpoint. */
  leader: boolean;
  caughtUp: boolean;
  lastError: string | undefined;
  lastErrorAt: Date | undefined;
}

type Mode = 'stopped' | 'leading' | 'following';

export class ProjectionRunner {
  readonly projection: Projection;
  private checkpoint: Position = START;
  private loaded = false;
  private mode: Mode = 'stopped';
  private caughtUp = false;
  private lastError: { message: string; at: Date } | undefined;
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly waiters = new PositionWaiters();
  /** Cuts a follower's sleep short (a new waiter). */
  private wakeFollower: (() => void) | undefined;
  private readonly decode: Decode;
  private readonly batchSize: number;
  private readonly idleWaitMs: number;
  private readonly maxBackoffMs: number;
  private readonly followPollMs: number;
  private readonly followRefreshMs: number;

  constructor(private readonly options: RunnerOptions) {
    this.projection = options.projection;
    this.decode = options.decode ?? ((e) => e);
    this.batchSize = options.batchSize ?? 1000;
    this.idleWaitMs = options.idleWaitMs ?? 30_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.followPollMs = options.followPollMs ?? 50;
    this.followRefreshMs = options.followRefreshMs ?? 2_000;
  }

  /** Leads: applies the log from the checkpoint (stops following first). */
  start(): void {
    this.switchTo('leading');
  }

  /**
   * Follows: applies nothing, reads the checkpoint another process moves. A leading loop is aborted at
   * once (its batch in flight commits or is refused by the checkpoint compare-and-set) and not waited for.
   */
  follow(): void {
    this.switchTo('following');
  }

  async stop(): Promise<void> {
    this.switchTo('stopped');
    await this.loop;
  }

  /** Aborts the current loop synchronously; the next one starts once it has ended. */
  private switchTo(mode: Mode): void {
    if (this.mode === mode) return;
    this.mode = mode;
    this.abort.abort();
    const abort = (this.abort = new AbortController());
    const previous = this.loop;
    this.loop = (async () => {
      await previous;
      if (abort.signal.aborted) return;
      if (mode === 'leading') {
        this.loaded = false; // another process may have moved it while this one followed
        await this.run(abort.signal);
      } else if (mode === 'following') {
        this.caughtUp = false;
        await this.followCheckpoint(abort.signal);
      }
    })();
  }

  status(): RunnerStatus {
    return {
      projection: this.projection.name,
      checkpoint: this.checkpoint,
      running: this.mode !== 'stopped',
      leader: this.mode === 'leading',
      caughtUp: this.caughtUp,
      lastError: this.lastError?.message,
      lastErrorAt: this.lastError?.at,
    };
  }

  /** Resolves once the projection has applied everything up to `position` (read-your-writes). */
  waitForPosition(position: Position, timeoutMs = 10_000): Promise<void> {
    if (this.loaded && comparePositions(this.checkpoint, position) >= 0) return Promise.resolve();
    const waiting = this.waiters.add(
      position,
      timeoutMs,
      () =>
        new Error(
          `projection ${this.projection.name} did not reach ${formatPosition(position)} within ${timeoutMs} ms (at ${formatPosition(this.checkpoint)})`,
        ),
    );
    this.wakeFollower?.();
    return waiting;
  }

  /** Applies batches until the log has nothing more; for the CLI and tests. Returns the events read. */
  async catchUp(): Promise<number> {
    let total = 0;
    for (;;) {
      const read = await this.processBatch();
      total += read;
      if (read < this.batchSize) return total;
    }
  }

  /**
   * Reads one batch after the checkpoint and applies it; returns how many events were read. A signal
   * aborted meanwhile (leadership lost) skips the transaction.
   */
  async processBatch(signal?: AbortSignal): Promise<number> {
    const read = await this.nextBatch(signal);
    return read === 'moved' ? 0 : read;
  }

  /** processBatch, or 'moved' when another process had moved the checkpoint (read again from there). */
  private async nextBatch(signal?: AbortSignal): Promise<number | 'moved'> {
    const { knex, store, projection } = this.options;
    if (!this.loaded) await this.reloadCheckpoint();
    const from = this.checkpoint;
    const events = await store.readAll({ fromPosition: from, maxCount: this.batchSize });
    const last = events[events.length - 1];
    if (!last) {
      this.caughtUp = true;
      if (this.lastError) {
        // The read worked and nothing is left to apply: no failure remains, here nor for the followers.
        this.lastError = undefined;
        await knex('projection_checkpoints')
          .where({ projection_name: projection.name })
          .whereNotNull('last_error')
          .update({ last_error: null, last_error_at: null });
      }
      return 0;
    }
    if (signal?.aborted) return 0;
    const relevant = events.filter((e) => handles(projection, e.type)).map(this.decode);
    try {
      await commitBatch(knex, {
        projection: projection.name,
        expected: from,
        position: last.position,
        ...(relevant.length > 0 && {
          apply: (trx: Knex.Transaction) => projection.apply({ trx, table: liveTables }, relevant),
        }),
      });
    } catch (err) {
      if (!(err instanceof CheckpointMovedError)) throw err;
      // Another process applied this batch (or a rebuild swapped): continue from where it left off.
      this.advanceTo(err.actual);
      return 'moved';
    }
    this.advanceTo(last.position);
    this.caughtUp = events.length < this.batchSize;
    return events.length;
  }

  private async reloadCheckpoint(): Promise<void> {
    this.checkpoint = await readCheckpoint(this.options.knex, this.projection.name);
    this.loaded = true;
    this.waiters.release(this.checkpoint);
  }

  private advanceTo(position: Position): void {
    this.checkpoint = position;
    this.lastError = undefined;
    this.waiters.release(this.checkpoint);
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { logger } = this.options;
    let backoff = 100;
    const step = async (): Promise<LogRead> => {
      const read = await this.nextBatch(signal);
      backoff = 100;
      return read === 'moved' || read === this.batchSize ? 'more' : read > 0 ? 'some' : 'none';
    };
    while (!signal.aborted) {
      try {
        await tailLog(this.options.store, step, signal, {
          idleWaitMs: this.idleWaitMs,
          checkpoint: () => this.checkpoint,
        });
      } catch (err) {
        if (signal.aborted) break;
        const message = errorMessage(err);
        this.lastError = { message, at: new Date() };
        this.caughtUp = false;
        this.loaded = false; // re-read the checkpoint: the failed batch left it unchanged
        logger.error(
          { err, projection: this.projection.name, retryInMs: backoff },
          'projection batch failed',
        );
        await recordProjectionError(this.options.knex, this.projection.name, message).catch(() => undefined);
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, this.maxBackoffMs);
      }
    }
  }

  /** Reads the leader's checkpoint (and its last error) from the table until aborted. */
  private async followCheckpoint(signal: AbortSignal): Promise<void> {
    const { knex, logger } = this.options;
    let failing = false; // logged once per run of failures (a database outage would repeat it every poll)
    while (!signal.aborted) {
      try {
        let followed: Awaited<ReturnType<typeof readLeaderCheckpoint>> | undefined;
        // Not waited for once stopped: with the database gone the read may wait long for a connection.
        await untilAborted(
          signal,
          readLeaderCheckpoint(knex, this.projection.name).then((f) => (followed = f)),
        );
        if (signal.aborted || !followed) break;
        this.checkpoint = followed.checkpoint;
        this.loaded = true;
        this.lastError = followed.lastError;
        this.waiters.release(this.checkpoint);
        failing = false;
      } catch (err) {
        if (signal.aborted) break;
        if (!failing)
          logger.warn(
            { err: { message: errorMessage(err) }, projection: this.projection.name },
            'cannot read the checkpoint of a projection another process leads',
          );
        failing = true;
      }
      await sleep(this.waiters.size > 0 ? this.followPollMs : this.followRefreshMs, signal, (wake) => {
        this.wakeFollower = wake;
      });
      this.wakeFollower = undefined;
    }
  }
}
