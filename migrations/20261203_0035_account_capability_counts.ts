// account_capability_counts: the dashboard's account figures per instance, kept by the accounts projection
// (src/projections/accounts/capabilityCountTable.ts; docs/decisions.md "Capability counts kept per
// instance"). Filled here from the rows the projection already wrote (one pass over the active accounts
// and their facts: seconds at 500,000 accounts); from then on the projection keeps it in the transaction
// of each batch, and a rebuild writes it with the other accounts tables.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE account_capability_counts (
      instance_id uuid PRIMARY KEY,
      active      integer NOT NULL,
      superuser   integer NOT NULL,
      grant_admin integer NOT NULL,
      locked      integer NOT NULL
    );
    INSERT INTO account_capability_counts (instance_id, active, superuser, grant_admin, locked)
    SELECT a.instance_id,
           count(*),
           count(*) FILTER (WHERE p.permission_facts -> 'capabilities' @> '["SUPERUSER"]'),
           count(*) FILTER (WHERE p.permission_facts -> 'capabilities' @> '["GRANT_ADMIN"]'),
           count(*) FILTER (WHERE a.is_locked OR p.is_locked)
    FROM instance_accounts a LEFT JOIN account_permission p ON p.account_id = a.id
    WHERE a.is_active
    GROUP BY a.instance_id;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS account_capability_counts');
}
