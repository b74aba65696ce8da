// Reads of instance_accounts and account_permission for the API: the ledger (with each account's
// classifications), its export, an account's facts, the statistics. The change history: changeHistory.ts.
import type { Knex } from 'knex';
import type { DbType, PermissionFacts } from '../../domain/engines/model.js';
import type { Paging } from '../../domain/paging.js';
import { paged, type PageTotals } from '../paging.js';
import { escapeLike } from '../credentials/queries.js';
import { classificationsOfAccounts, whereClassified } from '../classification/assignmentQueries.js';
import type { RiskLevel } from '../../domain/classification/events.js';
import { tagNames, whereTagged } from '../tags/queries.js';
import { ledgerPageStatement } from './ledgerSql.js';
import { activeUsernamesMatching, searchSql } from './usernameSearch.js';

interface LedgerDbRow {
  id: string;
  instance_id: string;
  instance_name: string | null;
  username: string;
  db_type: DbType;
  is_active: boolean;
  is_system: boolean;
  account_locked: boolean;
  attributes: Record<string, unknown>;
  first_seen_at: Date;
  last_seen_at: Date;
  deleted_at: Date | null;
  permission_locked: boolean | null;
  is_superuser: boolean | null;
  permission_facts: PermissionFacts | null;
  last_sync_time: Date | null;
  last_change_type: 'add' | 'modify_privilege' | 'none' | null;
  last_change_time: Date | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** Locked by the inventory (account status) or by the permission facts (LOCKED capability). */
const lockedSql = '(a.is_locked OR coalesce(p.is_locked, false))';
const superuserSql = 'coalesce(p.is_superuser, false)';

export const ledgerColumns = [
  'a.id',
  'a.instance_id',
  'i.name as instance_name',
  'a.username',
  'a.db_type',
  'a.is_active',
  'a.is_system',
  'a.is_locked as account_locked',
  'a.attributes',
  'a.first_seen_at',
  'a.last_seen_at',
  'a.deleted_at',
  'p.is_locked as permission_locked',
  'p.is_superuser',
  'p.permission_facts',
  'p.last_sync_time',
  'p.last_change_type',
  'p.last_change_time',
];

const ledgerToApi = (r: LedgerDbRow) => ({
  id: r.id,
  instance_id: r.instance_id,
  instance_name: r.instance_name,
  username: r.username,
  db_type: r.db_type,
  is_active: r.is_active,
  is_system: r.is_system,
  is_locked: r.account_locked || r.permission_locked === true,
  is_superuser: r.is_superuser === true,
  attributes: r.attributes,
  first_seen_at: r.first_seen_at.toISOString(),
  last_seen_at: r.last_seen_at.toISOString(),
  deleted_at: iso(r.deleted_at),
  permissions:
    r.last_sync_time === null
      ? null
      : {
          facts: r.permission_facts,
          last_sync_time: r.last_sync_time.toISOString(),
          last_change_type: r.last_change_type,
          last_change_time: iso(r.last_change_time),
        },
});

export interface AccountFilters {
  instanceId?: string | undefined;
  dbType?: string | undefined;
  locked?: boolean | undefined;
  superuser?: boolean | undefined;
  /** Part of the username, case-insensitive. */
  search?: string | undefined;
  /** Holds this capability in its latest facts (SUPERUSER, GRANT_ADMIN, LOCKED). */
  capability?: string | undefined;
  /** Holds this classification. */
  classificationId?: string | undefined;
  /** Holds a classification of this risk level or above. */
  riskLevel?: RiskLevel | undefined;
  /** Also list accounts the last inventory no longer showed (default: active ones only). */
  includeDeleted?: boolean | undefined;
  /** Tag names, comma-separated, any case: accounts on instances holding every one of them. */
  tag?: string | undefined;
}

/** instance_name is null for an instance the instances table does not have (events imported from elsewhere). */
const joined = (knex: Knex) =>
  knex({ a: 'instance_accounts' })
    .leftJoin({ p: 'account_permission' }, 'p.account_id', 'a.id')
    .leftJoin({ i: 'instances' }, 'i.id', 'a.instance_id');

/**
 * The distinct usernames a search selects, when they may stand for it (usernameSearch.ts): active
 * accounts only, and not within one instance (its few accounts are read through its own index).
 */
const searchedUsernames = (knex: Knex, filters: AccountFilters) =>
  filters.search && !filters.includeDeleted && !filters.instanceId
    ? activeUsernamesMatching(knex, filters.search)
    : Promise.resolve(undefined);

/**
 * The accounts the filters select (the ledger list and its export); `usernames`, the search's matching
 * usernames when known, stands for the search.
 */
export function filteredLedgers(knex: Knex, filters: AccountFilters, usernames?: string[]) {
  const q = joined(knex);
  if (!filters.includeDeleted) q.where('a.is_active', true);
  if (filters.instanceId) q.where('a.instance_id', filters.instanceId);
  if (filters.dbType) q.where('a.db_type', filters.dbType);
  if (filters.locked !== undefined) q.whereRaw(`${lockedSql} = ?`, [filters.locked]);
  if (filters.superuser !== undefined) q.whereRaw(`${superuserSql} = ?`, [filters.superuser]);
  if (usernames) q.whereIn('a.username', usernames);
  else if (filters.search) q.whereRaw(searchSql('a.username'), [escapeLike(filters.search)]);
  // Containment, not `?`: knex reads a question mark as a binding.
  if (filters.capability)
    q.whereRaw("p.permission_facts -> 'capabilities' @> ?::jsonb", [JSON.stringify([filters.capability])]);
  whereTagged(q, knex, { names: tagNames(filters.tag) }, 'a.instance_id');
  return whereClassified(q, knex, {
    classification_id: filters.classificationId,
    risk_level: filters.riskLevel,
  });
}

/** The raw predicates of filteredLedgers, for the statement written out in ledgerSql.ts. */
export const ledgerPredicates = (filters: AccountFilters) => ({
  locked: lockedSql,
  superuser: superuserSql,
  escapedSearch: filters.search === undefined ? undefined : escapeLike(filters.search),
});

export const ledgerOrder = [
  { column: 'a.username', order: 'asc' },
  { column: 'a.instance_id', order: 'asc' },
] as const;

/** Accounts with their permission state, by username then instance, with the total that matches. */
export async function listAccountLedgers(
  knex: Knex,
  filters: AccountFilters,
  paging: Paging,
  totals?: PageTotals,
) {
  const usernames = await searchedUsernames(knex, filters);
  const { total, rows } = await paged<LedgerDbRow>(filteredLedgers(knex, filters, usernames), paging, {
    order: ledgerOrder,
    columns: ledgerColumns,
    totals,
    statement: ledgerPageStatement(ledgerColumns, filters, ledgerPredicates(filters), usernames),
  });
  return { total, items: await withClassifications(knex, rows.map(ledgerToApi)) };
}

/** The rows, each with the classifications its account holds now (by priority). */
async function withClassifications<T extends { id: string }>(knex: Knex, rows: T[]) {
  const held = await classificationsOfAccounts(
    knex,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({ ...r, classifications: held.get(r.id) ?? [] }));
}

/**
 * Every account the filters select, in the list's order (the CSV export), or only the count when more
 * than `max` match: the caller refuses rather than sending a truncated file.
 */
export async function allAccountLedgers(knex: Knex, filters: AccountFilters, max: number) {
  const usernames = await searchedUsernames(knex, filters);
  const [{ total }] = (await filteredLedgers(knex, filters, usernames).count({ total: '*' })) as [
    { total: string },
  ];
  if (Number(total) > max) return { total: Number(total), items: undefined };
  const rows = await filteredLedgers(knex, filters, usernames)
    .orderBy([...ledgerOrder])
    .select<LedgerDbRow[]>(...ledgerColumns);
  return { total: Number(total), items: await withClassifications(knex, rows.map(ledgerToApi)) };
}

/** An account's identity and latest facts (null until its permissions were read once). */
export interface AccountFacts {
  account_id: string;
  instance_id: string;
  username: string;
  db_type: DbType;
  facts: PermissionFacts | null;
}

/** The accounts of `ids` that exist (deleted ones too), with their latest facts; unknown ids are left out. */
export async function factsOfAccounts(knex: Knex, ids: readonly string[]): Promise<AccountFacts[]> {
  if (ids.length === 0) return [];
  return knex({ a: 'instance_accounts' })
    .leftJoin({ p: 'account_permission' }, 'p.account_id', 'a.id')
    .whereIn('a.id', [...new Set(ids)])
    .select<AccountFacts[]>(
      'a.id as account_id',
      'a.instance_id',
      'a.username',
      'a.db_type',
      'p.permission_facts as facts',
    );
}

/** One account with its permission snapshot and facts, or undefined. */
export async function getAccount(knex: Knex, id: string) {
  const row = await joined(knex)
    .where('a.id', id)
    .first<(LedgerDbRow & { permission_snapshot: Record<string, unknown> | null }) | undefined>(
      ...ledgerColumns,
      'p.permission_snapshot',
    );
  if (!row) return undefined;
  const api = ledgerToApi(row);
  return {
    ...api,
    permissions: api.permissions && { ...api.permissions, snapshot: row.permission_snapshot },
  };
}

interface Counts {
  total: number;
  active: number;
  deleted: number;
  locked: number;
  superuser: number;
  system: number;
}

const zero = (): Counts => ({ total: 0, active: 0, deleted: 0, locked: 0, superuser: 0, system: 0 });

/**
 * Account counts overall, by db_type and by instance. total counts every account ever seen; active and
 * deleted split it; locked, superuser and system count active accounts only.
 */
export async function accountStatistics(knex: Knex) {
  const rows = (await joined(knex)
    .select('a.instance_id', 'i.name as instance_name', 'a.db_type')
    .select(
      knex.raw('count(*) AS total'),
      knex.raw('count(*) FILTER (WHERE a.is_active) AS active'),
      knex.raw(`count(*) FILTER (WHERE a.is_active AND ${lockedSql}) AS locked`),
      knex.raw(`count(*) FILTER (WHERE a.is_active AND ${superuserSql}) AS superuser`),
      knex.raw('count(*) FILTER (WHERE a.is_active AND a.is_system) AS system'),
    )
    .groupBy('a.instance_id', 'i.name', 'a.db_type')
    .orderBy(['a.instance_id', 'a.db_type'])) as ({
    instance_id: string;
    instance_name: string | null;
    db_type: DbType;
  } & Record<'total' | 'active' | 'locked' | 'superuser' | 'system', string>)[];
  const stats = {
    ...zero(),
    by_db_type: {} as Record<string, Counts>,
    by_instance: [] as ({ instance_id: string; instance_name: string | null; db_type: DbType } & Counts)[],
  };
  const add = (into: Counts, c: Counts) => {
    for (const k of Object.keys(c) as (keyof Counts)[]) into[k] += c[k];
  };
  for (const r of rows) {
    const c: Counts = {
      total: Number(r.total),
      active: Number(r.active),
      deleted: Number(r.total) - Number(r.active),
      locked: Number(r.locked),
      superuser: Number(r.superuser),
      system: Number(r.system),
    };
    add(stats, c);
    add((stats.by_db_type[r.db_type] ??= zero()), c);
    stats.by_instance.push({
      instance_id: r.instance_id,
      instance_name: r.instance_name,
      db_type: r.db_type,
      ...c,
    });
  }
  return stats;
}
