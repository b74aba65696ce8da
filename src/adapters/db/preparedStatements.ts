// Statements prepared once per connection instead of parsed, analysed and planned on every run. A
// statement is named after a hash of its text, so a name always stands for one text (node-postgres refuses
// a name reused for another text on a connection) and every connection that runs it prepares it once.
// Opt-in, for statements of a fixed text that run many times (a projection's writes and checkpoints, the
// sync's reads): each prepared statement stays in the server's memory as long as the connection lives, so
// text that varies with its input (IN lists, filters) must not be prepared. In the account-sync benchmark
// parsing and planning the store's statements was about a tenth of the store's PostgreSQL CPU
// (docs/decisions.md "Prepared statements for the store's repeated statements").
//
// A prepared statement is planned again by the server when a table it reads changes (a migration of
// another process); only a statement whose result columns would change fails then ("cached plan must not
// change result type"), so prepared statements name their result columns, never `*` of a table.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Knex } from 'knex';

/** The texts named so far (a fixed set in practice; bounded all the same). */
const names = new Map<string, string>();
const MAX_NAMES = 2_000;

/** The name of a prepared statement of this text: `wf_` and 24 hex digits of its SHA-1. */
export function statementName(text: string): string {
  const known = names.get(text);
  if (known) return known;
  const name = `wf_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
  if (names.size < MAX_NAMES) names.set(text, name);
  return name;
}

/** What knex hands its client for one statement (the fields used here). */
interface CompiledQuery {
  sql: string;
  options?: Record<string, unknown>;
}

/** knex's PostgreSQL client (no types of its own are published). */
type PgClientClass = new (config: Knex.Config) => {
  _query(connection: unknown, query: CompiledQuery): Promise<unknown>;
};
const KnexPgClient = createRequire(import.meta.url)('knex/lib/dialects/postgres/index.js') as PgClientClass;

/** `.options(prepared)` on a knex query or raw statement: run it as a prepared statement. */
export const prepared = Object.freeze({ prepare: true });

/**
 * knex's PostgreSQL client, with one addition: a statement given `.options(prepared)` goes to
 * node-postgres with a name (statementName of its compiled text), so each connection prepares it once.
 * A subclass rather than a wrapper, because knex's transactions run on copies of the client's prototype.
 */
export class PreparingPgClient extends KnexPgClient {
  override _query(connection: unknown, query: CompiledQuery): Promise<unknown> {
    if (query.options?.prepare === true) {
      const { prepare: _prepare, ...rest } = query.options;
      query.options = { ...rest, name: statementName(query.sql) };
    }
    return super._query(connection, query);
  }
}
