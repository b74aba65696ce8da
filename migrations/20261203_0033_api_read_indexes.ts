// Indexes for the API's lists at fleet scale (issue 16, docs/decisions.md "API reads at fleet scale"):
// each serves one list's ORDER BY ... LIMIT (a page read from the index instead of sorting every row) or
// one read the dashboard and the ledger filters make. CREATE INDEX holds writes to its table back while
// it builds (seconds on 500,000 accounts): run the migration in a quiet moment.
import type { Knex } from 'knex';

const indexes: [name: string, definition: string][] = [
  // GET /accounts/ledgers: active accounts by username, then instance (ledgerOrder).
  ['instance_accounts_ledger_idx', 'instance_accounts (username, instance_id) WHERE is_active'],
  // GET /instances: instances not deleted, by name.
  ['instances_list_idx', 'instances (name) WHERE deleted_at IS NULL'],
  // GET /capacity/instances: newest period first, then type and instance (listAggregations).
  [
    'instance_size_aggregations_list_idx',
    'instance_size_aggregations (period_start DESC, period_type, instance_id)',
  ],
  // last_synced_at of a page of instances: each instance's latest completed account record.
  [
    'sync_instance_records_last_account_idx',
    "sync_instance_records (instance_id, completed_at) WHERE sync_category = 'account' AND status = 'completed'",
  ],
  // capability= filter and the dashboard's SUPERUSER / GRANT_ADMIN counts: containment in the facts.
  [
    'account_permission_capabilities_idx',
    "account_permission USING gin ((permission_facts -> 'capabilities') jsonb_path_ops)",
  ],
  // The dashboard's locked count: locked by the inventory, or by the facts (a few per cent of the rows).
  ['instance_accounts_locked_idx', 'instance_accounts (id) WHERE is_active AND is_locked'],
  ['account_permission_locked_idx', 'account_permission (account_id) WHERE is_locked'],
];

export async function up(knex: Knex): Promise<void> {
  for (const [name, definition] of indexes)
    await knex.raw(`CREATE INDEX IF NOT EXISTS ${name} ON ${definition}`);
}

export async function down(knex: Knex): Promise<void> {
  for (const [name] of indexes) await knex.raw(`DROP INDEX IF EXISTS ${name}`);
}
