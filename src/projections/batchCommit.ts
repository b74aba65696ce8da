// The transaction of a batch: its checkpoint's compare-and-set and its effects commit together, so they
// happen exactly once. An append wakes every runner at once, and several handle it: the batches asked
// for in the same turn of the event loop share one transaction (one BEGIN, one checkpoint UPDATE, one
// COMMIT instead of three statements each), each applied after its own checkpoint moved. When one of
// them fails the shared transaction rolls back: that one fails, the others are applied again each in a
// transaction of its own.
import type { Knex } from 'knex';
import { moveCheckpoint, movedError, moveCheckpoints, type CheckpointMove } from './checkpoints.js';
import { asError, gatherInTick, type Gathered } from './gatherInTick.js';

type Batch = CheckpointMove & { apply: (trx: Knex.Transaction) => Promise<void> };

const pendingBatches = new WeakMap<Knex, Gathered<Batch>[]>();

/**
 * Moves the checkpoint from `expected` to `position` and applies the batch, in one transaction; fails
 * with CheckpointMovedError, having applied nothing, when the checkpoint was not at `expected`.
 */
export function commitBatch(knex: Knex, batch: Batch): Promise<void> {
  return gatherInTick(pendingBatches, knex, batch, (batches) => commitTogether(knex, batches));
}

/** One batch in its own transaction. */
const commitAlone = (knex: Knex, b: Batch): Promise<void> =>
  knex.transaction(async (trx) => {
    await moveCheckpoint(trx, b.projection, b.expected, b.position);
    await b.apply(trx);
  });

async function commitTogether(knex: Knex, batches: readonly Gathered<Batch>[]): Promise<void> {
  if (batches.length === 1) {
    const [b] = batches as [Gathered<Batch>];
    return commitAlone(knex, b).then(
      () => b.done(),
      (err: unknown) => b.done(asError(err)),
    );
  }
  const moved = new Map<Gathered<Batch>, Error>();
  let failed: { batch: Gathered<Batch>; err: Error } | undefined;
  try {
    await knex.transaction(async (trx) => {
      const ok = await moveCheckpoints(trx, batches);
      for (const b of batches) {
        if (!ok.has(b.projection)) {
          moved.set(b, await movedError(trx, b.projection));
          continue;
        }
        try {
          await b.apply(trx);
        } catch (err) {
          failed = { batch: b, err: asError(err) };
          throw err;
        }
      }
    });
  } catch (err) {
    if (!failed) {
      for (const b of batches) b.done(asError(err)); // BEGIN, the checkpoints or COMMIT: none applied
      return;
    }
    const { batch, err: cause } = failed;
    batch.done(cause);
    // Rolled back with the one that failed: the others are applied again, each alone.
    await Promise.all(
      batches
        .filter((b) => b !== batch)
        .map((b) =>
          commitAlone(knex, b).then(
            () => b.done(),
            (e: unknown) => b.done(asError(e)),
          ),
        ),
    );
    return;
  }
  for (const b of batches) b.done(moved.get(b));
}
