// The dashboard's account figures: active accounts, and how many hold SUPERUSER, GRANT_ADMIN or are locked.
import type { Knex } from 'knex';
import { capabilityCountTable } from './capabilityCountTable.js';

/**
 * Active accounts, and how many of them hold SUPERUSER or GRANT_ADMIN in their latest facts, or are locked
 * by the inventory or by the facts (as the ledger's `capability=` and `locked=true` filters select them,
 * so a count links to its list). Summed from account_capability_counts, one row per instance kept by the
 * accounts projection (capabilityCountTable.ts): counting them from the rows hashed every active account
 * (about 600 ms for 500,000 accounts, docs/decisions.md "Capability counts kept per instance").
 */
export async function capabilityCounts(knex: Knex) {
  const [row] = (await knex(capabilityCountTable).select(
    knex.raw('coalesce(sum(active), 0)::bigint AS active'),
    knex.raw('coalesce(sum(superuser), 0)::bigint AS superuser'),
    knex.raw('coalesce(sum(grant_admin), 0)::bigint AS grant_admin'),
    knex.raw('coalesce(sum(locked), 0)::bigint AS locked'),
  )) as [{ active: string; superuser: string; grant_admin: string; locked: string }];
  return {
    active: Number(row.active),
    superuser: Number(row.superuser),
    grant_admin: Number(row.grant_admin),
    locked: Number(row.locked),
  };
}
