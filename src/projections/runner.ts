// Runs one projection: reads the log after its checkpoint in batches and applies each batch and the
// new checkpoint in one transaction (compare-and-set), so effects happen exactly once, even across
// crashes or several processes. Wakes on new events (LISTEN/NOTIFY through subscribeAll), polls as
// a fallback, and backs off when a handler fails, without moving past the failing batch.
import type { Knex } from 'knex';
import { firstValueFrom, map, race, take, timer } from 'rxjs';
import {
  START,
  comparePositions,
  formatPosition,
  type Position,
  type RecordedEvent,
} from '../domain/events/envelope.js';
import type { EventStore } from '../adapters/eventStore/port.js';
import type { Logger } from '../logger.js';
import {
  CheckpointMovedError,
  expectCheckpoint,
  readCheckpoint,
  recordProjectionError,
  writeCheckpoint,
} from './checkpoints.js';
import { handles, liveTables, type Projection } from './projection.js';
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
  /** Longest idle wait before reading again when no notification arrives. */
  idleWaitMs?: number;
  maxBackoffMs?: number;
}

export interface RunnerStatus {
  projection: string;
  checkpoint: Position;
  running: boolean;
  caughtUp: boolean;
  lastError: string | undefined;
  lastErrorAt: Date | undefined;
}

interface Waiter {
  position: Position;
  resolve(): void;
}

export class ProjectionRunner {
  readonly projection: Projection;
  private checkpoint: Position = START;
  private loaded = false;
  private running = false;
  private caughtUp = false;
  private lastError: { message: string; at: Date } | undefined;
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  private waiters: Waiter[] = [];
  private readonly decode: Decode;
  private readonly batchSize: number;
  private readonly idleWaitMs: number;
  private readonly maxBackoffMs: number;

  constructor(private readonly options: RunnerOptions) {
    this.projection = options.projection;
    this.decode = options.decode ?? ((e) => e);
    this.batchSize = options.batchSize ?? 1000;
    this.idleWaitMs = options.idleWaitMs ?? 30_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
    this.loop = undefined;
  }

  status(): RunnerStatus {
    return {
      projection: this.projection.name,
      checkpoint: this.checkpoint,
      running: this.running,
      caughtUp: this.caughtUp,
      lastError: this.lastError?.message,
      lastErrorAt: this.lastError?.at,
    };
  }

  /** Resolves once the projection has applied everything up to `position` (read-your-writes). */
  waitForPosition(position: Position, timeoutMs = 10_000): Promise<void> {
    if (this.loaded && comparePositions(this.checkpoint, position) >= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        position,
        resolve: () => {
          clearTimeout(timeout);
          resolve();
        },
      };
      const timeout = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `projection ${this.projection.name} did not reach ${formatPosition(position)} within ${timeoutMs} ms (at ${formatPosition(this.checkpoint)})`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
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

  /** Reads one batch after the checkpoint and applies it; returns how many events were read. */
  async processBatch(): Promise<number> {
    const { knex, store, projection } = this.options;
    if (!this.loaded) await this.reloadCheckpoint();
    const from = this.checkpoint;
    const events = await store.readAll({ fromPosition: from, maxCount: this.batchSize });
    const last = events[events.length - 1];
    if (!last) {
      this.caughtUp = true;
      this.lastError = undefined; // the read worked and nothing is left to apply: no failure remains
      return 0;
    }
    const relevant = events.filter((e) => handles(projection, e.type)).map(this.decode);
    try {
      await knex.transaction(async (trx) => {
        await expectCheckpoint(trx, projection.name, from);
        if (relevant.length > 0) await projection.apply({ trx, table: liveTables }, relevant);
        await writeCheckpoint(trx, projection.name, last.position);
      });
    } catch (err) {
      if (!(err instanceof CheckpointMovedError)) throw err;
      // Another process applied this batch (or a rebuild swapped): continue from where it left off.
      this.advanceTo(err.actual);
      return 0;
    }
    this.advanceTo(last.position);
    this.caughtUp = events.length < this.batchSize;
    return events.length;
  }

  private async reloadCheckpoint(): Promise<void> {
    this.checkpoint = await readCheckpoint(this.options.knex, this.projection.name);
    this.loaded = true;
    this.releaseWaiters();
  }

  private advanceTo(position: Position): void {
    this.checkpoint = position;
    this.lastError = undefined;
    this.releaseWaiters();
  }

  private releaseWaiters(): void {
    const ready = this.waiters.filter((w) => comparePositions(this.checkpoint, w.position) >= 0);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { logger } = this.options;
    let backoff = 100;
    while (!signal.aborted) {
      try {
        const read = await this.processBatch();
        backoff = 100;
        if (read < this.batchSize && !signal.aborted) await this.waitForEvents(signal);
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

  /** Resolves when an event after the checkpoint exists, after idleWaitMs, or on stop. */
  private async waitForEvents(signal: AbortSignal): Promise<void> {
    const next$ = this.options.store.subscribeAll({ fromPosition: this.checkpoint }).pipe(
      take(1),
      map(() => undefined),
    );
    await untilAborted(
      signal,
      firstValueFrom(race(next$, timer(this.idleWaitMs).pipe(map(() => undefined)))),
    );
  }
}

/** Waits for `work` or the signal, and removes its listener afterwards (the signal lives as long as the runner). */
async function untilAborted(signal: AbortSignal, work: Promise<unknown>): Promise<void> {
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([work, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

const sleep = (ms: number, signal: AbortSignal) => {
  let timeout: NodeJS.Timeout | undefined;
  return untilAborted(
    signal,
    new Promise<void>((resolve) => {
      timeout = setTimeout(resolve, ms);
    }),
  ).finally(() => clearTimeout(timeout));
};
