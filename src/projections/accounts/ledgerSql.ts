// The ledger page's statement written out for the filters every ledger request uses (instance, engine,
// locked, superuser, search or its usernames, capability, deleted ones), exactly as knex compiles it
// from filteredLedgers() in queries.ts: compiling that builder (three joined tables, eighteen columns)
// cost about 80 µs a request under load, the largest part of knex's share of a ledger request
// (docs/decisions.md "Kept list pages compile once"). Tags and classifications (subqueries) are left to
// knex. ledgerSql.unit.test.ts checks the text and bindings against knex's for every combination.
import { tagNames } from '../tags/queries.js';
import type { AccountFilters } from './queries.js';
import { searchSql } from './usernameSearch.js';

/** 'a.id' -> "a"."id", 'i.name as instance_name' -> "i"."name" as "instance_name", as knex quotes them. */
const quoted = (column: string) => {
  const [name, alias] = column.split(' as ');
  const path = name!
    .split('.')
    .map((part) => `"${part}"`)
    .join('.');
  return alias === undefined ? path : `${path} as "${alias}"`;
};

/** The select list of each columns array given, quoted once. */
const selectLists = new WeakMap<readonly string[], string>();
const selectList = (columns: readonly string[]) => {
  let list = selectLists.get(columns);
  if (list === undefined) selectLists.set(columns, (list = columns.map(quoted).join(', ')));
  return list;
};

const from =
  'from "instance_accounts" as "a" left join "account_permission" as "p" on "p"."account_id" = "a"."id" ' +
  'left join "instances" as "i" on "i"."id" = "a"."instance_id"';

/**
 * The page's SELECT in the ledger's order, without LIMIT and OFFSET ($n placeholders), or undefined when
 * a filter needs a subquery (tag, classification_id, risk_level): knex builds those.
 */
export function ledgerPageStatement(
  columns: readonly string[],
  filters: AccountFilters,
  predicates: { locked: string; superuser: string; escapedSearch?: string | undefined },
  usernames: readonly string[] | undefined,
): { sql: string; bindings: unknown[] } | undefined {
  if (tagNames(filters.tag).length > 0 || filters.classificationId || filters.riskLevel) return undefined;
  const where: string[] = [];
  const bindings: unknown[] = [];
  const bind = (value: unknown) => {
    bindings.push(value);
    return `$${bindings.length}`;
  };
  if (!filters.includeDeleted) where.push(`"a"."is_active" = ${bind(true)}`);
  if (filters.instanceId) where.push(`"a"."instance_id" = ${bind(filters.instanceId)}`);
  if (filters.dbType) where.push(`"a"."db_type" = ${bind(filters.dbType)}`);
  if (filters.locked !== undefined) where.push(`${predicates.locked} = ${bind(filters.locked)}`);
  if (filters.superuser !== undefined) where.push(`${predicates.superuser} = ${bind(filters.superuser)}`);
  if (usernames)
    where.push(
      usernames.length === 0 ? `1 = ${bind(0)}` : `"a"."username" in (${usernames.map(bind).join(', ')})`,
    );
  else if (filters.search) where.push(searchSql('a.username').replace('?', bind(predicates.escapedSearch)));
  if (filters.capability)
    where.push(
      `p.permission_facts -> 'capabilities' @> ${bind(JSON.stringify([filters.capability]))}::jsonb`,
    );
  const sql =
    `select ${selectList(columns)} ${from}` +
    (where.length > 0 ? ` where ${where.join(' and ')}` : '') +
    ' order by "a"."username" asc, "a"."instance_id" asc';
  return { sql, bindings };
}
