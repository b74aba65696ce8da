// The ledger's search over distinct usernames. Accounts of one username all match a search or none do,
// and a fleet repeats its usernames (root, postgres, an application's login on every instance): 500,000
// accounts may hold a few hundred distinct names. Read in order from instance_accounts_ledger_idx by a
// skip scan (one index probe per distinct name), the matching names turn the search into
// `a.username IN (...)`: the page walks the ledger index over those names alone, where the LIKE filter
// walked every account sorting before the first match (170,000 at 500,000 accounts, a second under load).
// docs/decisions.md "Ledger search over distinct usernames".
import type { Knex } from 'knex';
import { escapeLike } from '../credentials/queries.js';

/** Distinct usernames read at most: past this the search filters the rows themselves (the LIKE). */
export const MAX_DISTINCT_USERNAMES = 1000;

/** The predicate of the search on a username column: a part of it, case-insensitive. */
export const searchSql = (column: string) => `lower(${column}) LIKE '%' || lower(?) || '%' ESCAPE '\\'`;

/**
 * The distinct usernames of active accounts that contain `search` (case-insensitive), or undefined when
 * active accounts hold more than `max` distinct usernames (the skip scan would cost more than it saves).
 */
export async function activeUsernamesMatching(
  knex: Knex,
  search: string,
  max = MAX_DISTINCT_USERNAMES,
): Promise<string[] | undefined> {
  const { rows } = await knex.raw<{ rows: { names: string[] | null; complete: boolean }[] }>(
    `WITH RECURSIVE names(username, n) AS (
       (SELECT username, 1 FROM instance_accounts WHERE is_active ORDER BY username LIMIT 1)
       UNION ALL
       SELECT (SELECT a.username FROM instance_accounts a
                WHERE a.is_active AND a.username > names.username ORDER BY a.username LIMIT 1), n + 1
         FROM names WHERE names.username IS NOT NULL AND n <= ?
     )
     SELECT array_agg(username ORDER BY n) FILTER (WHERE ${searchSql('username')}) AS names,
            coalesce(bool_or(username IS NULL), true) AS complete
       FROM names`,
    [max, escapeLike(search)],
  );
  const [row] = rows;
  return row?.complete ? (row.names ?? []) : undefined;
}
