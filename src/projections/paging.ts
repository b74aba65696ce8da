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
  /**
   * The page's statement as knex compiles it from `q` with `join`, `order` and `columns` (without LIMIT
   * and OFFSET), written out by a caller for whom that compilation is the cost; else compiled here.
   */
  statement?: { sql: string; bindings: readonly unknown[] } | undefined;
  /** pg's parsers for the page's rows (utcTimeTypes: timestamps as the API's text); default pg's own. */
  types?: unknown;
}

/**
 * The rows of a built statement: compiled once by knex, run without its runner (directRows), unless
 * the builder belongs to a transaction (its statements run on the transaction's connection).
 */
async function rowsOf<Row>(q: Knex.QueryBuilder, native: Knex.SqlNative): Promise<Row[]> {
  if ((q.client as { transacting?: boolean }).transacting) return (await q) as Row[];
  return directRows<Row>(q, native.sql, native.bindings);
}

/**
 * Counts the rows `q` matches, then reads the page of them in `order`. The page is compiled once without
 * its LIMIT and OFFSET, which are appended as knex appends them: that text names the filtered query for
 * `totals`, and the count is compiled only when it runs (a kept total costs no second compilation,
 * about 40 µs a request at fleet size; docs/decisions.md "Kept list pages compile once").
 */
export async function paged<Row>(
  q: Knex.QueryBuilder,
  paging: Paging,
  { order, columns = ['*'], join = (x) => x, totals = countNow, statement, types }: PageQuery,
): Promise<{ total: number; rows: Row[] }> {
  const offset = (paging.page - 1) * paging.limit;
  const ordered = () =>
    join(q.clone())
      .orderBy(typeof order === 'string' ? [order] : [...order])
      .select(...columns);
  const transacting = (q.client as { transacting?: boolean }).transacting;
  const base = statement && !transacting ? statement : ordered().toSQL().toNative();
  const total = await totals(`${base.sql} ${JSON.stringify(base.bindings)}`, async () => {
    const counting = q.clone().count({ total: '*' });
    return Number((await rowsOf<{ total: string }>(counting, counting.toSQL().toNative()))[0]!.total);
  });
  if (transacting) {
    const page = ordered().limit(paging.limit).offset(offset);
    return { total, rows: (await (types ? page.options({ types }) : page)) as Row[] };
  }
  // As knex's PostgreSQL compiler writes them: ` limit $n`, and ` offset $n` unless it is 0.
  const bindings = [...base.bindings, paging.limit, ...(offset > 0 ? [offset] : [])];
  const n = base.bindings.length;
  const sql = `${base.sql} limit $${n + 1}${offset > 0 ? ` offset $${n + 2}` : ''}`;
  return { total, rows: await directRows<Row>(q, sql, bindings, types) };
}
