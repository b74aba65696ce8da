// paged() runs the statement knex itself compiles for the page (LIMIT and OFFSET appended as knex
// writes them), so the rows and totals are those of the builder's own page, on every page, with joins and
// bindings, inside a transaction too; and a kept total costs no compilation of the count.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Knex } from 'knex';
import { createTestDatabase, type TestDatabase } from '../../test/support/testDatabase.js';
import { paged, type PageQuery } from './paging.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
  await db.knex.raw(`
    CREATE TABLE paging_items (id int PRIMARY KEY, name text NOT NULL, kind text NOT NULL);
    CREATE TABLE paging_kinds (kind text PRIMARY KEY, label text NOT NULL);
    INSERT INTO paging_items SELECT n, 'item ' || (n % 17), CASE WHEN n % 3 = 0 THEN 'a' ELSE 'b' END
      FROM generate_series(1, 95) n;
    INSERT INTO paging_kinds VALUES ('a', 'Alpha'), ('b', 'Beta');
  `);
});
afterAll(async () => {
  await db.drop();
});

/** Every statement `run` sends, as the driver receives it. */
async function statementsOf(run: () => Promise<unknown>) {
  const seen: { sql: string; bindings: unknown[] }[] = [];
  const onQuery = (q: { sql: string; bindings?: unknown[] }) =>
    seen.push({ sql: q.sql, bindings: q.bindings ?? [] });
  db.knex.on('query', onQuery);
  try {
    await run();
  } finally {
    db.knex.removeListener('query', onQuery);
  }
  return seen;
}

describe('paged', () => {
  const filtered = (k: Knex | Knex.Transaction) =>
    k({ i: 'paging_items' }).where('i.kind', 'b').where('i.id', '>', 4);
  const options: PageQuery = {
    order: [
      { column: 'i.name', order: 'asc' },
      { column: 'i.id', order: 'desc' },
    ],
    columns: ['i.id', 'i.name', 'k.label'],
    join: (q) => q.leftJoin({ k: 'paging_kinds' }, 'k.kind', 'i.kind'),
  };
  /** The page as knex builds and runs it, and its statement. */
  const knexPage = (k: Knex | Knex.Transaction, page: number, limit: number) => {
    const q = options.join!(filtered(k))
      .orderBy([...(options.order as [])])
      .limit(limit)
      .offset((page - 1) * limit)
      .select(...options.columns!);
    return { q, native: q.toSQL().toNative() };
  };

  it("sends knex's own statement of each page and answers its rows and the total", async () => {
    const [{ n }] = (await filtered(db.knex).count({ n: '*' })) as [{ n: string }];
    for (const [page, limit] of [
      [1, 20],
      [2, 20],
      [4, 15],
      [9, 20],
    ] as const) {
      const expected = knexPage(db.knex, page, limit);
      let answer: Awaited<ReturnType<typeof paged>> | undefined;
      const sent = await statementsOf(async () => {
        answer = await paged(filtered(db.knex), { page, limit }, options);
      });
      expect(sent.at(-1)).toEqual({ sql: expected.native.sql, bindings: [...expected.native.bindings] });
      expect(answer).toEqual({ total: Number(n), rows: await expected.q });
    }
    await db.knex.transaction(async (trx) => {
      const answer = await paged(filtered(trx), { page: 2, limit: 7 }, options);
      expect(answer).toEqual({ total: Number(n), rows: await knexPage(trx, 2, 7).q });
    });
  });

  it('compiles the count only when the total is not kept', async () => {
    const compile = vi.spyOn(db.knex.client, 'queryCompiler');
    try {
      let counted = 0;
      const kept = new Map<string, number>();
      const totals: PageQuery['totals'] = async (key, count) => {
        if (!kept.has(key)) {
          counted += 1;
          kept.set(key, await count());
        }
        return kept.get(key)!;
      };
      await paged(filtered(db.knex), { page: 1, limit: 20 }, { ...options, totals });
      expect(compile).toHaveBeenCalledTimes(2);
      compile.mockClear();
      // A kept total: the page alone is compiled (the code before compiled the count too: 2).
      await paged(filtered(db.knex), { page: 1, limit: 20 }, { ...options, totals });
      expect(compile).toHaveBeenCalledTimes(1);
      await paged(filtered(db.knex), { page: 3, limit: 20 }, { ...options, totals });
      expect(counted).toBe(1);
    } finally {
      compile.mockRestore();
    }
  });
});
