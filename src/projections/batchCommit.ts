// The transaction of a batch: its checkpoint's compare-and-set and its effects commit together, so they
// happen exactly once. An append wakes every runner at once: most have nothing to apply (their
// checkpoint only moves), several handle it. The batches asked for in the same turn of the event loop
// share one statement for their checkpoints and, when some apply, one transaction (one BEGIN, one
// checkpoint UPDATE, one COMMIT instead of three statements each), each applied after its own checkpoint
// moved. When one of them fails the shared transaction rolls back: that one fails, the others are
// committed again each on its own.
import type { Knex } from 'knex';
import { moveCheckpoint, movedError, moveCheckpoints, type CheckpointMove } from './checkpoints.js';
import { asError, gatherInTick, type Gathered } from './gatherInTick.js';

/** A checkpoint to move, and what to apply with it (none: a batch with nothing the projection handles). */
type Batch = CheckpointMove & { apply?: (trx: Knex.Transaction) => Promise<void> };

const pendingBatches = new WeakMap<Knex, Gathered<Batch>[]>();

/**
 * Moves the checkpoint from `expected` to `position` and applies the batch, in one transaction; fails
 * with CheckpointMovedError, having applied nothing, when the checkpoint was not at `expected`. Without
 * `apply` the checkpoint moves outside a transaction when no batch of the same turn applies.
 */
export function commitBatch(knex: Knex, batch: Batch): Promise<void> {
  return gatherInTick(pendingBatches, knex, batch, (batches) => commitTogether(knex, batches));
}

/** One batch on its own: a transaction when it applies. */
async function commitAlone(knex: Knex, b: Batch): Promise<void> {
  const { apply } = b;
  if (!apply) {
    if (!(await moveCheckpoints(knex, [b])).has(b.projection)) throw await movedError(knex, b.projection);
    return;
  }
  await knex.transaction(async (trx) => {
    await moveCheckpoint(trx, b.projection, b.expected, b.position);
    await apply(trx);
  });
}

const answer = (b: Gathered<Batch>, work: Promise<void>): Promise<void> =>
  work.then(
    () => b.done(),
    (err: unknown) => b.done(asError(err)),
  );

/** Checkpoints only: one statement, no transaction. */
async function moveTogether(knex: Knex, batches: readonly Gathered<Batch>[]): Promise<void> {
  let ok: Set<string>;
  try {
    ok = await moveCheckpoints(knex, batches);
  } catch (err) {
    for (const b of batches) b.done(asError(err));
    return;
  }
  for (const b of batches) {
    if (ok.has(b.projection)) b.done();
    else await movedError(knex, b.projection).then(b.done, b.done);
  }
}

async function commitTogether(knex: Knex, batches: readonly Gathered<Batch>[]): Promise<void> {
  if (!batches.some((b) => b.apply)) return moveTogether(knex, batches);
  if (batches.length === 1) return answer(batches[0]!, commitAlone(knex, batches[0]!));
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
          await b.apply?.(trx);
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
    // Rolled back with the one that failed: the others are committed again, each on its own.
    await Promise.all(batches.filter((b) => b !== batch).map((b) => answer(b, commitAlone(knex, b))));
    return;
  }
  for (const b of batches) b.done(moved.get(b));
}
