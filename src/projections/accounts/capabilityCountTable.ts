// account_capability_counts: per instance, its active accounts and how many of them hold SUPERUSER or
// GRANT_ADMIN in their latest facts, or are locked (by the inventory or by the facts), as
// capabilityCounts() counted them from every row. Kept by the accounts projection in the transaction that
// writes the account rows: the instances a batch changed are counted again from their rows (an index
// read of their accounts and facts), so the dashboard sums one row per instance instead of hashing
// every active account. A function of the rows alone, so a rebuild writes the same rows.
import type { Knex } from 'knex';

export const capabilityCountTable = 'account_capability_counts';

/** The physical tables (live, or a rebuild's twins) the count reads and writes. */
export interface CountTables {
  accounts: string;
  permissions: string;
  counts: string;
}

/** The counts of active accounts per instance, as a SELECT over `instance_id = ANY(?)` or every instance. */
export const countsByInstanceSql = (t: Omit<CountTables, 'counts'>, where: string): string => `
  SELECT a.instance_id,
         count(*) AS active,
         count(*) FILTER (WHERE p.permission_facts -> 'capabilities' @> '["SUPERUSER"]') AS superuser,
         count(*) FILTER (WHERE p.permission_facts -> 'capabilities' @> '["GRANT_ADMIN"]') AS grant_admin,
         count(*) FILTER (WHERE a.is_locked OR p.is_locked) AS locked
  FROM "${t.accounts}" a LEFT JOIN "${t.permissions}" p ON p.account_id = a.id
  WHERE a.is_active AND ${where}
  GROUP BY a.instance_id`;

/** Counts these instances again from their rows (an instance without active accounts has no row). */
export async function recountCapabilities(
  trx: Knex.Transaction,
  tables: CountTables,
  instanceIds: ReadonlySet<string>,
): Promise<void> {
  if (instanceIds.size === 0) return;
  const ids = [...instanceIds].sort();
  await trx.raw(`DELETE FROM "${tables.counts}" WHERE instance_id = ANY(?::uuid[])`, [ids]);
  await trx.raw(
    `INSERT INTO "${tables.counts}" (instance_id, active, superuser, grant_admin, locked) ` +
      countsByInstanceSql(tables, 'a.instance_id = ANY(?::uuid[])'),
    [ids],
  );
}
