// A statement of fixed text run on a connection of knex's pool without knex's query builder and runner,
// for the statements every request runs (the authentication's user row): the builder, the compiler,
// the runner's binding copies and debug calls cost about 70 µs a statement under load
// (docs/decisions.md "API reads at fleet scale"). Same pool, same connections, same acquire timeout;
// knex's query events are emitted as knex emits them, so what listens to them (the api benchmark's
// capture of a route's SQL) still sees the statement. Placeholders are PostgreSQL's own ($1, $2, ...).
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

interface PgConnection {
  query(config: { text: string; values: readonly unknown[]; types?: unknown }): Promise<{ rows: unknown[] }>;
  __knexUid?: string;
}

interface KnexClient {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<void>;
  emit(event: string, ...args: unknown[]): boolean;
}

/**
 * The rows of `sql` ($n placeholders) with `bindings`, on a connection of the pool of `on` (knex, or a
 * query builder of it: not one of a transaction, whose statements must run on its connection), parsed by
 * pg's parsers or by `types` (as a knex query's `.options({ types })`).
 */
export async function directRows<Row>(
  on: Knex | Knex.QueryBuilder,
  sql: string,
  bindings: readonly unknown[],
  types?: unknown,
): Promise<Row[]> {
  const client = on.client as KnexClient;
  const connection = await client.acquireConnection();
  const query = {
    __knexUid: connection.__knexUid,
    __knexQueryUid: randomUUID(),
    sql,
    bindings,
    method: 'raw',
  };
  client.emit('query', query);
  try {
    const response = await connection.query({ text: sql, values: bindings, ...(types ? { types } : {}) });
    client.emit('query-response', response, query);
    return response.rows as Row[];
  } catch (err) {
    // As knex reports a failed statement: its SQL before the driver's message (the bindings left out).
    if (err instanceof Error) err.message = `${sql} - ${err.message}`;
    client.emit('query-error', err, query);
    throw err;
  } finally {
    await client.releaseConnection(connection);
  }
}
