// One page of a filtered list: the count of every matching row, and the rows of the page in a total order.
import type { Knex } from 'knex';
import type { Paging } from '../domain/paging.js';

export interface PageQuery {
  order: string | readonly { column: string; order: 'asc' | 'desc' }[];
  columns?: readonly (string | Knex.Raw)[];
  /** Joins that add columns to the page but not rows to the count (left joins on a key). */
  join?: (q: Knex.QueryBuilder) => Knex.QueryBuilder;
}

/** Counts the rows `q` matches, then reads the page of them in `order`. */
export async function paged<Row>(
  q: Knex.QueryBuilder,
  paging: Paging,
  { order, columns = ['*'], join = (x) => x }: PageQuery,
): Promise<{ total: number; rows: Row[] }> {
  const [{ total }] = (await q.clone().count({ total: '*' })) as [{ total: string }];
  const rows = (await join(q)
    .orderBy(typeof order === 'string' ? [order] : [...order])
    .limit(paging.limit)
    .offset((paging.page - 1) * paging.limit)
    .select(...columns)) as Row[];
  return { total: Number(total), rows };
}
