// Prepared statements on request (src/adapters/db/preparedStatements.ts), through real PostgreSQL: a knex
// statement given `.options(prepared)` is prepared once per connection under the name of its text, in a
// transaction too; one without it is not; and a prepared write still reaches the table its name means
// after a rebuild swapped a twin in under that name.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnex } from '../../src/adapters/db/knex.js';
import { prepared, statementName } from '../../src/adapters/db/preparedStatements.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';

let db: TestDatabase;
/** One connection, so that what one statement prepared is seen by the next. */
let knex: Knex;

beforeAll(async () => {
  db = await createTestDatabase();
  knex = createKnex(db.url, { min: 1, max: 1 });
});
afterAll(async () => {
  await knex?.destroy();
  await db?.drop();
});

const preparedNames = async (k: Knex | Knex.Transaction): Promise<string[]> =>
  (
    await k.raw<{ rows: { name: string }[] }>('SELECT name FROM pg_prepared_statements ORDER BY name')
  ).rows.map((r) => r.name);

describe('knex statements', () => {
  it('are prepared once per connection under the name of their text when asked, in a transaction too', async () => {
    const text = 'SELECT $1::int + 1 AS x';
    const answers = await knex.transaction(async (trx) => [
      (await trx.raw('SELECT ?::int + 1 AS x', [1]).options(prepared)) as { rows: { x: number }[] },
      (await trx.raw('SELECT ?::int + 1 AS x', [41]).options(prepared)) as { rows: { x: number }[] },
    ]);
    expect(answers.map((a) => a.rows[0]!.x)).toEqual([2, 42]);
    expect(await preparedNames(knex)).toContain(statementName(text));
    expect(statementName(text)).toMatch(/^wf_[0-9a-f]{24}$/);
    expect(statementName('SELECT $1::int + 2 AS x')).not.toBe(statementName(text));
  });

  it('are not prepared unless asked, and a query builder can ask', async () => {
    const before = await preparedNames(knex);
    await knex.raw('SELECT ?::text AS unprepared', ['a']);
    expect(await preparedNames(knex)).toEqual(before);
    const row = await knex('knex_migrations').options(prepared).count('* as c').first<{ c: string }>();
    expect(Number(row.c)).toBeGreaterThan(0);
    expect((await preparedNames(knex)).length).toBe(before.length + 1);
  });

  it('write into the table their name means after a twin was swapped in under it (as a rebuild does)', async () => {
    const table = `wf_prep_${randomUUID().slice(0, 8)}`;
    const insert = () => knex.raw('INSERT INTO ?? (v) VALUES (?)', [table, 'x']).options(prepared);
    await knex.raw('CREATE TABLE ?? (v text)', [table]);
    await insert();
    await knex.raw('CREATE TABLE ?? (v text, extra int)', [`${table}_twin`]);
    await knex.raw('DROP TABLE ??', [table]);
    await knex.raw('ALTER TABLE ?? RENAME TO ??', [`${table}_twin`, table]);
    await insert();
    const { rows } = await knex.raw<{ rows: unknown[] }>('SELECT v, extra FROM ??', [table]);
    expect(rows).toEqual([{ v: 'x', extra: null }]);
    await knex.raw('DROP TABLE ??', [table]);
  });
});
