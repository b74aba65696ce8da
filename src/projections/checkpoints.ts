// Projection checkpoints: read, and compare-and-set inside the batch's own transaction.
import type { Knex } from 'knex';
import { START, comparePositions, type Position } from '../domain/events/envelope.js';

interface CheckpointRow {
  projection_name: string;
  position_commit: string;
  position_prepare: string;
}

const toPosition = (r: Pick<CheckpointRow, 'position_commit' | 'position_prepare'>): Position => ({
  commit: BigInt(r.position_commit),
  prepare: BigInt(r.position_prepare),
});

/** Another process (or a rebuild's swap) moved the checkpoint since we read it. */
export class CheckpointMovedError extends Error {
  constructor(
    readonly projection: string,
    readonly actual: Position,
  ) {
    super(`checkpoint of projection ${projection} moved`);
    this.name = 'CheckpointMovedError';
  }
}

export async function readCheckpoint(knex: Knex, projection: string): Promise<Position> {
  await knex.raw(
    `INSERT INTO projection_checkpoints (projection_name, position_commit, position_prepare)
     VALUES (?, ?, ?) ON CONFLICT (projection_name) DO NOTHING`,
    [projection, START.commit.toString(), START.prepare.toString()],
  );
  const row = await knex<CheckpointRow>('projection_checkpoints')
    .where({ projection_name: projection })
    .first('position_commit', 'position_prepare');
  return row ? toPosition(row) : START;
}

/** Locks the checkpoint row for the rest of the transaction and returns its position. */
export async function lockCheckpoint(trx: Knex.Transaction, projection: string): Promise<Position> {
  const row = await trx<CheckpointRow>('projection_checkpoints')
    .where({ projection_name: projection })
    .forUpdate()
    .first('position_commit', 'position_prepare');
  if (!row) throw new Error(`projection ${projection} has no checkpoint row`);
  return toPosition(row);
}

/** Fails with CheckpointMovedError unless the checkpoint is still `expected`; keeps the row locked. */
export async function expectCheckpoint(
  trx: Knex.Transaction,
  projection: string,
  expected: Position,
): Promise<void> {
  const actual = await lockCheckpoint(trx, projection);
  if (comparePositions(actual, expected) !== 0) throw new CheckpointMovedError(projection, actual);
}

const checkpointColumns = (knex: Knex, position: Position) => ({
  position_commit: position.commit.toString(),
  position_prepare: position.prepare.toString(),
  updated_at: knex.fn.now(),
  last_error: null,
  last_error_at: null,
});

export async function writeCheckpoint(
  trx: Knex.Transaction,
  projection: string,
  position: Position,
): Promise<void> {
  await trx('projection_checkpoints')
    .where({ projection_name: projection })
    .update(checkpointColumns(trx, position));
}

/**
 * Moves the checkpoint from `expected` to `position` in one statement, for a batch with nothing to apply:
 * the compare-and-set of expectCheckpoint + writeCheckpoint without a transaction. An UPDATE that waited
 * for another writer's row lock re-checks its WHERE on the committed row (read committed), so a moved
 * checkpoint updates nothing and fails with CheckpointMovedError.
 */
export async function advanceCheckpoint(
  knex: Knex,
  projection: string,
  expected: Position,
  position: Position,
): Promise<void> {
  const updated = await knex('projection_checkpoints')
    .where({
      projection_name: projection,
      position_commit: expected.commit.toString(),
      position_prepare: expected.prepare.toString(),
    })
    .update(checkpointColumns(knex, position));
  if (updated > 0) return;
  const row = await knex<CheckpointRow>('projection_checkpoints')
    .where({ projection_name: projection })
    .first('position_commit', 'position_prepare');
  if (!row) throw new Error(`projection ${projection} has no checkpoint row`);
  throw new CheckpointMovedError(projection, toPosition(row));
}

export async function recordProjectionError(knex: Knex, projection: string, message: string): Promise<void> {
  await knex('projection_checkpoints')
    .where({ projection_name: projection })
    .update({ last_error: message.slice(0, 2000), last_error_at: knex.fn.now() });
}

/** The checkpoint and last error another process (the leader) recorded: what a stand-by reports. */
export async function readLeaderCheckpoint(
  knex: Knex,
  projection: string,
): Promise<{ checkpoint: Position; lastError: { message: string; at: Date } | undefined }> {
  const row = await knex('projection_checkpoints').where({ projection_name: projection }).first<
    | {
        position_commit: string;
        position_prepare: string;
        last_error: string | null;
        last_error_at: Date | null;
      }
    | undefined
  >('position_commit', 'position_prepare', 'last_error', 'last_error_at');
  return {
    checkpoint: row ? { commit: BigInt(row.position_commit), prepare: BigInt(row.position_prepare) } : START,
    lastError: row?.last_error ? { message: row.last_error, at: row.last_error_at ?? new Date() } : undefined,
  };
}
