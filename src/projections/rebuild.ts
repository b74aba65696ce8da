// Rebuilds projections from the start of the log into twin tables while the live tables keep serving,
// then swaps them in atomically. Several projections rebuild in one pass: the log is read once and each
// batch is split among the projections, each writing into its own twins in applies of up to a batch of
// its own events (rebuildPass.ts). Applies into the twins commit as they go (no long transaction holds
// back the log's readers); only the final catch-up and the swap run under the checkpoints' locks, which
// pause the live runners for that moment. A failure anywhere before the swap commits swaps nothing: the
// live tables and checkpoints stay as they were, the twins go.
import type { Knex } from 'knex';
import type { EventStore } from '../adapters/eventStore/port.js';
import { START, comparePositions, type Position, type RecordedEvent } from '../domain/events/envelope.js';
import type { Logger } from '../logger.js';
import { lockCheckpoint, readCheckpoint, writeCheckpoint } from './checkpoints.js';
import { handles, type Projection, type ProjectionContext } from './projection.js';
import type { Decode } from './runner.js';
import { firstPass } from './rebuildPass.js';
import { createTwin, dropTwin, swapTwin, twinName } from './tableTwins.js';

interface CommonOptions {
  store: EventStore;
  knex: Knex;
  logger: Logger;
  decode?: Decode;
  batchSize?: number;
  /** Called after each batch of the first pass has been handed to every projection (awaited). */
  onProgress?: (progress: { events: number; position: Position }) => void | Promise<void>;
}

export interface RebuildOptions extends CommonOptions {
  projection: Projection;
}

export interface RebuildAllOptions extends CommonOptions {
  projections: readonly Projection[];
  /** How many projections apply a batch at once, each on its own connection (default 4). */
  parallel?: number;
  /** Reading pauses while this many applies wait for a connection (default 4). */
  lookahead?: number;
  /** A projection's events wait for more of its own at most this many read batches (default 10). */
  maxHoldBatches?: number;
  /** Called with each projection's share of a batch's apply time (ms), for a profile. */
  onApplied?: (projection: string, ms: number) => void;
}

export interface RebuildResult {
  projection: string;
  events: number;
  position: Position;
  durationMs: number;
}

export async function rebuildProjection(options: RebuildOptions): Promise<RebuildResult> {
  const [result] = await rebuildProjections({ ...options, projections: [options.projection] });
  return result!;
}

/** The twin-writing context of one projection: a table outside its own is a bug in it. */
function twinContext(projection: Projection): (trx: Knex.Transaction) => ProjectionContext {
  const twins = new Map(projection.tables.map((t) => [t, twinName(t)]));
  const table = (name: string) => {
    const twin = twins.get(name);
    if (!twin)
      throw new Error(`projection ${projection.name} wrote to ${name}, which is not one of its tables`);
    return twin;
  };
  return (trx) => ({ trx, table });
}

/**
 * Splits a batch among the projections: each gets the events it handles, in log order, each event decoded
 * once however many projections read it.
 */
function batchSplitter(projections: readonly Projection[], decode: Decode) {
  const readersOf = new Map<string, number[]>();
  const readers = (type: string) => {
    let found = readersOf.get(type);
    if (!found) {
      found = projections.flatMap((p, i) => (handles(p, type) ? [i] : []));
      readersOf.set(type, found);
    }
    return found;
  };
  return (batch: readonly RecordedEvent[]): RecordedEvent[][] => {
    const shares: RecordedEvent[][] = projections.map(() => []);
    for (const event of batch) {
      const indexes = readers(event.type);
      if (indexes.length === 0) continue;
      const decoded = decode(event);
      for (const i of indexes) shares[i]!.push(decoded);
    }
    return shares;
  };
}

/** Rebuilds every projection given from one read of the log; one result per projection, in their order. */
export async function rebuildProjections(options: RebuildAllOptions): Promise<RebuildResult[]> {
  const { projections, store, knex, logger } = options;
  const batchSize = options.batchSize ?? 5000;
  const parallel = Math.max(1, options.parallel ?? 4);
  const started = Date.now();
  const names = projections.map((p) => p.name);
  if (new Set(names).size !== names.length)
    throw new Error(`a projection is listed twice: ${names.join(', ')}`);
  const contexts = projections.map(twinContext);
  const split = batchSplitter(projections, options.decode ?? ((e: RecordedEvent) => e));
  const tables = projections.flatMap((p) => p.tables);

  for (const name of names) await readCheckpoint(knex, name); // make sure the rows exist to lock
  let position: Position = START;
  let events = 0;
  const applyShare = async (trx: Knex.Transaction, i: number, share: readonly RecordedEvent[]) => {
    const t0 = performance.now();
    await projections[i]!.apply(contexts[i]!(trx), share);
    options.onApplied?.(names[i]!, performance.now() - t0);
  };
  /** In the swap transaction: the rest of the log, batch after batch, projection after projection. */
  const drainInto = async (trx: Knex.Transaction) => {
    for (;;) {
      const batch = await store.readAll({ fromPosition: position, maxCount: batchSize });
      if (batch.length === 0) return;
      const shares = split(batch);
      for (const [i, share] of shares.entries()) if (share.length > 0) await applyShare(trx, i, share);
      position = batch[batch.length - 1]!.position;
      events += batch.length;
      if (batch.length < batchSize) return;
    }
  };
  /**
   * The first pass, outside a transaction (rebuildPass.ts): each apply commits on its own, up to `parallel`
   * at once (they write disjoint twins and nothing reads the twins before the swap, so they need not commit
   * together), and the log is read on while they apply (it is read-only to us).
   */
  const firstPassOf = () =>
    firstPass({
      from: START,
      read: (from) => store.readAll({ fromPosition: from, maxCount: batchSize }),
      batchSize,
      split,
      apply: (i, share) => knex.transaction((t) => applyShare(t, i, share)),
      projections: projections.length,
      parallel,
      lookahead: options.lookahead ?? 4,
      maxHoldBatches: options.maxHoldBatches ?? 10,
      onRead: async (size, at) => {
        events += size;
        position = at;
        if (size > 0) await options.onProgress?.({ events, position });
      },
    });

  try {
    for (const table of tables) await createTwin(knex, table);
    logger.info({ projections: names }, 'rebuild started');
    await firstPassOf();
    await knex.transaction(async (trx) => {
      // Always in the same order, so two rebuilds of overlapping sets cannot deadlock on the rows.
      const live = new Map<string, Position>();
      for (const name of [...names].sort()) live.set(name, await lockCheckpoint(trx, name));
      await drainInto(trx);
      // The twins now hold everything the log shows, which is at least what the live tables hold.
      for (const [name, checkpoint] of live) {
        if (comparePositions(position, checkpoint) < 0)
          throw new Error(`rebuild of ${name} ended before the live checkpoint; the log shrank?`);
      }
      for (const table of tables) await swapTwin(trx, table);
      for (const name of names) await writeCheckpoint(trx, name, position);
    });
  } catch (err) {
    for (const table of tables) await dropTwin(knex, table).catch(() => undefined);
    throw err;
  }
  const durationMs = Date.now() - started;
  const results = names.map((projection) => ({ projection, events, position, durationMs }));
  logger.info({ projections: names, events, durationMs }, 'rebuild swapped in');
  return results;
}
