// Batches of several runners in one transaction: each applied once with its checkpoint, a failing one
// or a moved checkpoint costing the others nothing.
import type { Knex } from 'knex';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/testDatabase.js';
import { commitBatch } from './batchCommit.js';
import { CheckpointMovedError, readCheckpoint } from './checkpoints.js';

let db: TestDatabase;
const from = { commit: 10n, prepare: 1n };
const to = { commit: 20n, prepare: 2n };

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  await db.knex.raw(`DROP TABLE IF EXISTS test_batches; CREATE TABLE test_batches (name text NOT NULL)`);
  await db.knex('projection_checkpoints').del();
  for (const name of ['a', 'b', 'c'])
    await db.knex('projection_checkpoints').insert({
      projection_name: name,
      position_commit: from.commit.toString(),
      position_prepare: from.prepare.toString(),
    });
});

const batch = (name: string, options: { fail?: boolean; expected?: typeof from; none?: boolean } = {}) =>
  commitBatch(db.knex, {
    projection: name,
    expected: options.expected ?? from,
    position: to,
    ...(!options.none && {
      apply: async (trx: Knex.Transaction) => {
        await trx('test_batches').insert({ name });
        if (options.fail) throw new Error(`handler ${name} failed`);
      },
    }),
  });

const written = async () => (await db.knex('test_batches').orderBy('name').pluck('name')) as string[];

describe('commitBatch', () => {
  it('commits the batches of one turn together: every effect once, every checkpoint moved', async () => {
    await Promise.all([batch('a'), batch('b'), batch('c')]);
    expect(await written()).toEqual(['a', 'b', 'c']);
    for (const name of ['a', 'b', 'c']) expect(await readCheckpoint(db.knex, name)).toEqual(to);
  });

  it('moves the checkpoints of batches with nothing to apply, alone or with others', async () => {
    await Promise.all([batch('a', { none: true }), batch('b', { none: true })]);
    expect(await readCheckpoint(db.knex, 'a')).toEqual(to);
    await Promise.all([batch('c', { none: true }), batch('b', { expected: to })]);
    expect(await written()).toEqual(['b']);
    expect(await readCheckpoint(db.knex, 'c')).toEqual(to);
    await expect(batch('a', { none: true })).rejects.toBeInstanceOf(CheckpointMovedError);
  });

  it('a failing batch fails alone: the others are applied once, its checkpoint stays', async () => {
    const results = await Promise.allSettled([
      batch('a'),
      batch('b', { fail: true }),
      batch('c', { none: true }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toContain('handler b failed');
    expect(await written()).toEqual(['a']);
    expect(await readCheckpoint(db.knex, 'a')).toEqual(to);
    expect(await readCheckpoint(db.knex, 'b')).toEqual(from);
    expect(await readCheckpoint(db.knex, 'c')).toEqual(to);
  });

  it('a checkpoint moved elsewhere applies nothing of its batch, the others commit', async () => {
    const results = await Promise.allSettled([
      batch('a'),
      batch('b', { expected: { commit: 5n, prepare: 0n } }),
    ]);
    expect(results[0].status).toBe('fulfilled');
    const moved = (results[1] as PromiseRejectedResult).reason as CheckpointMovedError;
    expect(moved).toBeInstanceOf(CheckpointMovedError);
    expect(moved.actual).toEqual(from);
    expect(await written()).toEqual(['a']);
    expect(await readCheckpoint(db.knex, 'b')).toEqual(from);
  });
});
