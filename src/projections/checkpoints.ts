// Projection checkpoints: read, and compare-and-set inside the batch's own transaction.
import type { Knex } from 'knex';
import { prepared } from '../adapters/db/preparedStatements.js';
import { START, type Position } from '../domain/events/envelope.js';

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

/** The checkpoint's position now, for the error of a compare-and-set that found it elsewhere. */
export async function movedError(knex: Knex, projection: string): Promise<CheckpointMovedError> {
  const row = await knex<CheckpointRow>('projection_checkpoints')
    .where({ projection_name: projection })
    .first('position_commit', 'position_prepare');
  if (!row) throw new Error(`projection ${projection} has no checkpoint row`);
  return new CheckpointMovedError(projection, toPosition(row));
}

/**
 * Moves the checkpoint from `expected` to `position` in one statement inside the batch's transaction,
 * before the batch is applied: the UPDATE locks the row for the rest of the transaction (as
 * lockCheckpoint's SELECT FOR UPDATE would), and its WHERE is the compare (an UPDATE that waited for
 * another writer's row lock re-checks it on the committed row), so a moved checkpoint updates nothing and
 * fails with CheckpointMovedError before anything is applied. One statement instead of two per batch.
 */
export async function moveCheckpoint(
  trx: Knex.Transaction,
  projection: string,
  expected: Position,
  position: Position,
): Promise<void> {
  const updated = await trx('projection_checkpoints')
    .where({
      projection_name: projection,
      position_commit: expected.commit.toString(),
      position_prepare: expected.prepare.toString(),
    })
    .update(checkpointColumns(trx, position));
  if (updated === 0) throw await movedError(trx, projection);
}

/** A checkpoint to move by compare-and-set: from `expected` to `position`. */
export interface CheckpointMove {
  projection: string;
  expected: Position;
  position: Position;
}

/**
 * Moves several checkpoints in one UPDATE, each row its own compare-and-set (an UPDATE that waited for
 * another writer's row lock re-checks its WHERE on the committed row, read committed); answers the
 * projections whose checkpoint moved (the others were not at `expected`). The rows are locked in name
 * order first, as a rebuild's swap locks them, so the two cannot deadlock. Inside a transaction the rows
 * stay locked until it ends. At most one move per projection.
 */
export async function moveCheckpoints(knex: Knex, moves: readonly CheckpointMove[]): Promise<Set<string>> {
  const { rows } = await knex
    .raw<{ rows: { projection_name: string }[] }>(
      `WITH a AS (
       SELECT * FROM jsonb_to_recordset(?::jsonb)
         AS a(name text, from_commit bigint, from_prepare bigint, to_commit bigint, to_prepare bigint)
     ), locked AS (
       SELECT projection_name FROM projection_checkpoints
       WHERE projection_name IN (SELECT name FROM a)
       ORDER BY projection_name
       FOR UPDATE
     )
     UPDATE projection_checkpoints c
     SET position_commit = a.to_commit, position_prepare = a.to_prepare, updated_at = now(),
         last_error = NULL, last_error_at = NULL
     FROM a, locked
     WHERE c.projection_name = a.name AND locked.projection_name = a.name
       AND c.position_commit = a.from_commit AND c.position_prepare = a.from_prepare
     RETURNING c.projection_name`,
      [
        JSON.stringify(
          moves.map((m) => ({
            name: m.projection,
            from_commit: m.expected.commit.toString(),
            from_prepare: m.expected.prepare.toString(),
            to_commit: m.position.commit.toString(),
            to_prepare: m.position.prepare.toString(),
          })),
        ),
      ],
    )
    .options(prepared);
  return new Set(rows.map((r) => r.projection_name));
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
