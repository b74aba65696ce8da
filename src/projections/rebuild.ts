// Rebuilds a projection from the start of the log into twin tables while the live tables keep
// serving, then swaps them in atomically. Batches into the twins commit as they go (no long
// transaction holds back the log's readers); only the final catch-up and the swap run under the
// checkpoint's lock, which pauses the live runner for that moment.
import type { Knex } from 'knex';
import type { EventStore } from '../adapters/eventStore/port.js';
import { START, comparePositions, type Position, type RecordedEvent } from '../domain/events/envelope.js';
import type { Logger } from '../logger.js';
import { lockCheckpoint, readCheckpoint, writeCheckpoint } from './checkpoints.js';
import { handles, type Projection } from './projection.js';
import type { Decode } from './runner.js';
import { createTwin, dropTwin, swapTwin, twinName } from './tableTwins.js';

export interface RebuildOptions {
  projection: Projection;
  store: EventStore;
  knex: Knex;
  logger: Logger;
  decode?: Decode;
  batchSize?: number;
  /** Called after each committed batch of the first pass (awaited). */
  onProgress?: (progress: { events: number; position: Position }) => void | Promise<void>;
}

export interface RebuildResult {
  projection: string;
  events: number;
  position: Position;
  durationMs: number;
}

export async function rebuildProjection(options: RebuildOptions): Promise<RebuildResult> {
  const { projection, store, knex, logger } = options;
  const decode = options.decode ?? ((e: RecordedEvent) => e);
  const batchSize = options.batchSize ?? 5000;
  const started = Date.now();
  const twins = new Map(projection.tables.map((t) => [t, twinName(t)]));
  const ctxTable = (name: string) => {
    const twin = twins.get(name);
    if (!twin)
      throw new Error(`projection ${projection.name} wrote to ${name}, which is not one of its tables`);
    return twin;
  };

  await readCheckpoint(knex, projection.name); // make sure the row exists to lock
  for (const table of projection.tables) await createTwin(knex, table);
  logger.info({ projection: projection.name }, 'rebuild started');

  let position: Position = START;
  let events = 0;
  const applyBatch = async (trx: Knex.Transaction, batch: RecordedEvent[]) => {
    const relevant = batch.filter((e) => handles(projection, e.type)).map(decode);
    if (relevant.length > 0) await projection.apply({ trx, table: ctxTable }, relevant);
    position = batch[batch.length - 1]!.position;
    events += batch.length;
  };
  /**
   * Reads and applies batches until the log has nothing more. Outside a transaction each batch commits on
   * its own and the next batch is read while this one is applied (the log is read-only to us, so reading
   * ahead is safe); inside the swap transaction batches are applied one after another.
   */
  const drain = async (trx?: Knex.Transaction) => {
    let next = store.readAll({ fromPosition: position, maxCount: batchSize });
    for (;;) {
      const batch = await next;
      if (batch.length === 0) return;
      const more = batch.length === batchSize;
      if (trx) {
        await applyBatch(trx, batch);
        next = store.readAll({ fromPosition: position, maxCount: batchSize });
      } else {
        next = more
          ? store.readAll({ fromPosition: batch[batch.length - 1]!.position, maxCount: batchSize })
          : Promise.resolve([]);
        // A failed apply must not leave the read-ahead's rejection unhandled.
        next.catch(() => undefined);
        await knex.transaction((t) => applyBatch(t, batch));
        await options.onProgress?.({ events, position });
      }
      if (!more) return;
    }
  };

  try {
    await drain();
    await knex.transaction(async (trx) => {
      const live = await lockCheckpoint(trx, projection.name);
      await drain(trx);
      // The twins now hold everything the log shows, which is at least what the live tables hold.
      if (comparePositions(position, live) < 0) {
        throw new Error(`rebuild of ${projection.name} ended before the live checkpoint; the log shrank?`);
      }
      for (const table of projection.tables) await swapTwin(trx, table);
      await writeCheckpoint(trx, projection.name, position);
    });
  } catch (err) {
    for (const table of projection.tables) await dropTwin(knex, table).catch(() => undefined);
    throw err;
  }
  const result = { projection: projection.name, events, position, durationMs: Date.now() - started };
  logger.info(result, 'rebuild swapped in');
  return result;
}
