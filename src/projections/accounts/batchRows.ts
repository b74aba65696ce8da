// What a batch of the accounts projection reads, in one statement: every account row and every
// permission row (its change time and the capability flags the counts use) of the instances the batch
// touches; and the dashboard's counts of those instances, made from these rows once the fold has changed
// them. A batch holds every row of an instance, so counting them in memory counts what
// countsByInstanceSql() would count from the tables after the batch's writes (capabilityCountTable.ts):
// the same join (permission by account id), the same filters.
import type { Knex } from 'knex';
import { prepared } from '../../adapters/db/preparedStatements.js';
import type { AccountRow, PermissionRow } from './fold.js';

/** What the counts need of a permission row. */
export interface PermissionFlags {
  superuser: boolean;
  grantAdmin: boolean;
  locked: boolean;
}

/** The rows a batch loaded: accounts by instance then username; permission change times and flags by account id. */
export interface BatchRows {
  accounts: Map<string, Map<string, AccountRow>>;
  lastChange: Map<string, string>;
  flags: Map<string, PermissionFlags>;
}

interface LoadedRow {
  id: string | null;
  instance_id: string | null;
  username: string;
  db_type: string;
  is_active: boolean;
  is_system: boolean;
  is_locked: boolean;
  attributes: Record<string, unknown> | null;
  first_seen_at: string;
  last_seen_at: string;
  deleted_at: string | null;
  p_account_id: string | null;
  p_last_change_time: string | null;
  p_superuser: boolean | null;
  p_grant_admin: boolean | null;
  p_locked: boolean | null;
}

/**
 * Every account and permission row of `instanceIds` (a permission row without its account too, for its
 * change time). Times as text, so that rewriting a loaded row keeps microseconds (rows.selectList).
 * Attributes only of `inventoryIds`: the fold rewrites the account rows of those instances alone.
 */
export async function loadBatchRows(
  trx: Knex.Transaction,
  tables: { accounts: string; permissions: string },
  instanceIds: readonly string[],
  inventoryIds: readonly string[],
): Promise<BatchRows> {
  const rows: BatchRows = { accounts: new Map(), lastChange: new Map(), flags: new Map() };
  for (const id of instanceIds) rows.accounts.set(id, new Map());
  if (instanceIds.length === 0) return rows;
  const { rows: loaded } = await trx
    .raw<{ rows: LoadedRow[] }>(
      `SELECT a.id, a.instance_id, a.username, a.db_type, a.is_active, a.is_system, a.is_locked,
            CASE WHEN a.instance_id = ANY(?::uuid[]) THEN a.attributes END AS attributes,
            a.first_seen_at::text AS first_seen_at, a.last_seen_at::text AS last_seen_at,
            a.deleted_at::text AS deleted_at,
            p.account_id AS p_account_id, p.last_change_time::text AS p_last_change_time,
            p.permission_facts -> 'capabilities' @> '["SUPERUSER"]' AS p_superuser,
            p.permission_facts -> 'capabilities' @> '["GRANT_ADMIN"]' AS p_grant_admin,
            p.is_locked AS p_locked
     FROM (SELECT * FROM ?? WHERE instance_id = ANY(?::uuid[])) a
     FULL JOIN (SELECT account_id, last_change_time, permission_facts, is_locked FROM ??
                WHERE instance_id = ANY(?::uuid[])) p ON p.account_id = a.id`,
      [
        [...inventoryIds],
        tables.accounts,
        [...instanceIds],
        tables.permissions,
        [...instanceIds],
      ] as Knex.RawBinding[],
    )
    .options(prepared);
  for (const r of loaded) {
    if (r.id !== null && r.instance_id !== null)
      rows.accounts.get(r.instance_id)!.set(r.username, {
        id: r.id,
        instance_id: r.instance_id,
        username: r.username,
        db_type: r.db_type,
        is_active: r.is_active,
        is_system: r.is_system,
        is_locked: r.is_locked,
        attributes: r.attributes ?? {},
        first_seen_at: r.first_seen_at,
        last_seen_at: r.last_seen_at,
        deleted_at: r.deleted_at,
      });
    if (r.p_account_id === null) continue;
    rows.lastChange.set(r.p_account_id, r.p_last_change_time!);
    rows.flags.set(r.p_account_id, {
      superuser: r.p_superuser === true,
      grantAdmin: r.p_grant_admin === true,
      locked: r.p_locked === true,
    });
  }
  return rows;
}

/** The flags of a permission row the fold wrote (facts.capabilities holds the capability names). */
export function flagsOf(row: PermissionRow): PermissionFlags {
  const capabilities = (row.permission_facts as { capabilities: readonly string[] }).capabilities;
  return {
    superuser: capabilities.includes('SUPERUSER'),
    grantAdmin: capabilities.includes('GRANT_ADMIN'),
    locked: row.is_locked === true,
  };
}

export interface CountRow {
  instance_id: string;
  active: number;
  superuser: number;
  grant_admin: number;
  locked: number;
}

/** The counts of each instance with active accounts, and the instances with none (their row goes). */
export function countCapabilities(
  rows: Pick<BatchRows, 'accounts' | 'flags'>,
  instanceIds: ReadonlySet<string>,
): { counts: CountRow[]; none: string[] } {
  const counts: CountRow[] = [];
  const none: string[] = [];
  for (const instanceId of [...instanceIds].sort()) {
    const c = { instance_id: instanceId, active: 0, superuser: 0, grant_admin: 0, locked: 0 };
    for (const a of rows.accounts.get(instanceId)?.values() ?? []) {
      if (!a.is_active) continue;
      const p = rows.flags.get(a.id);
      c.active += 1;
      if (p?.superuser) c.superuser += 1;
      if (p?.grantAdmin) c.grant_admin += 1;
      if (a.is_locked || p?.locked) c.locked += 1;
    }
    if (c.active > 0) counts.push(c);
    else none.push(instanceId);
  }
  return { counts, none };
}
