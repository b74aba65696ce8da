// One page of a filtered list: the count of every matching row, and the rows of the page in a total order.
import type { Knex } from 'knex';
import { directRows } from '../adapters/db/directQuery.js';
import type { Paging } from '../domain/paging.js';

/**
 * Where a page's total comes from: `count` runs the count; `key` names the query (its SQL and bindings),
 * so a caller may answer a total it counted before for the same state of the tables (src/api/pageTotals.ts).
 */
export type PageTotals = (key: string, count: () => Promise<number>) => Promise<number>;

const countNow: PageTotals = (_key, count) => count();

export interface PageQuery {
  order: string | readonly { column: string; order: 'asc' | 'desc' }[];
  columns?: readonly (string | Knex.Raw)[];
  /** Joins that add columns to the page but not rows to the count (left joins on a key). */
  join?: (q: Knex.QueryBuilder) => Knex.QueryBuilder;
  /** Default: counted on every call. */
  totals?: PageTotals | undefined;
}

/**
 * The rows of a built statement: compiled once by knex, run without its runner (directRows), unless
 * the builder belongs to a transaction (its statements run on the transaction's connection).
 */
async function rowsOf<Row>(q: Knex.QueryBuilder, native: Knex.SqlNative): Promise<Row[]> {
  if ((q.client as { transacting?: boolean }).transacting) return (await q) as Row[];
  return directRows<Row>(q, native.sql, native.bindings);
}

/** Counts the rows `q` matches, then reads the page of them in `order`. */
export async function paged<Row>(
  q: Knex.QueryBuilder,
  paging: Paging,
  { order, columns = ['*'], join = (x) => x, totals = countNow }: PageQuery,
): Promise<{ total: number; rows: Row[] }> {
  const counting = q.clone().count({ total: '*' });
  const count = counting.toSQL().toNative();
  const total = await totals(`${count.sql} ${JSON.stringify(count.bindings)}`, async () =>
    Number((await rowsOf<{ total: string }>(counting, count))[0]!.total),
  );
  const page = join(q)
    .orderBy(typeof order === 'string' ? [order] : [...order])
    .limit(paging.limit)
    .offset((paging.page - 1) * paging.limit)
    .select(...columns);
  const rows = await rowsOf<Row>(page, page.toSQL().toNative());
  return { total, rows };
}
