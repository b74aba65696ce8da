// The dashboard's account figures: active accounts, and how many hold SUPERUSER, GRANT_ADMIN or are locked.
import type { Knex } from 'knex';

/**
 * Active accounts, and how many of them hold SUPERUSER or GRANT_ADMIN in their latest facts, or are locked
 * (as the ledger's `capability=` and `locked=true` filters select them, so a count links to its list).
 * Each count reads an index (migration 0033), not the facts of every account: one pass over the joined
 * tables read every permission row (snapshots included, 3 s for 500,000 accounts). Locked is split in two
 * disjoint parts: locked by the inventory, or else by the facts.
 */
export async function capabilityCounts(knex: Knex) {
  const active = () => knex({ a: 'instance_accounts' }).where('a.is_active', true);
  const withFacts = () => active().join({ p: 'account_permission' }, 'p.account_id', 'a.id');
  const count = async (q: Knex.QueryBuilder) => Number(((await q.count({ n: '*' })) as [{ n: string }])[0].n);
  const holds = (capability: string) =>
    count(
      withFacts().whereRaw("p.permission_facts -> 'capabilities' @> ?::jsonb", [
        JSON.stringify([capability]),
      ]),
    );
  const [all, superuser, grantAdmin, lockedByInventory, lockedByFacts] = await Promise.all([
    count(active()),
    holds('SUPERUSER'),
    holds('GRANT_ADMIN'),
    count(active().where('a.is_locked', true)),
    count(withFacts().where({ 'a.is_locked': false, 'p.is_locked': true })),
  ]);
  return {
    active: all,
    superuser,
    grant_admin: grantAdmin,
    locked: lockedByInventory + lockedByFacts,
  };
}
