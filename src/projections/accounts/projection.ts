// instance_accounts, account_permission and account_change_log: the account inventory of each instance,
// the last permission facts of each account, and the log of what changed. Batch-friendly: a batch loads
// the account and permission rows of the instances it touches (one statement, batchRows.ts), folds its
// events in log order in memory, then writes each changed row once and appends the change-log rows with
// ids numbered after the table's highest (log order, then username), so a rebuild numbers them exactly as
// the live table did; the writes go as one statement (batchWrite.ts). account_capability_counts: the
// dashboard's counts per instance, counted again from the batch's rows for the instances it changed
// (what capabilityCountTable.ts counts from the tables).
import type { Projection } from '../projection.js';
import { countCapabilities, flagsOf, loadBatchRows } from './batchRows.js';
import { writeParts } from './batchWrite.js';
import { capabilityCountTable } from './capabilityCountTable.js';
import { foldAccounts } from './fold.js';

export { accountId, type ChangeType } from './fold.js';

export const accountsProjection: Projection = {
  name: 'accounts',
  tables: ['instance_accounts', 'account_permission', 'account_change_log', capabilityCountTable],
  eventTypes: ['InstanceInventorySynced', 'InventoryReverted', 'PermissionsSynced'],
  apply: async ({ trx, table }, events) => {
    const accountsTable = table('instance_accounts');
    const permissionTable = table('account_permission');
    const countsTable = table(capabilityCountTable);

    const inventoryInstances = new Set<string>();
    const touched = new Set<string>();
    for (const e of events) {
      const { instanceId } = e.data as { instanceId: string };
      touched.add(instanceId);
      if (e.type !== 'PermissionsSynced') inventoryInstances.add(instanceId);
    }
    const rows = await loadBatchRows(
      trx,
      { accounts: accountsTable, permissions: permissionTable },
      [...touched],
      [...inventoryInstances],
    );
    const changed = foldAccounts(rows, events);
    for (const p of changed.permissions) rows.flags.set(p.account_id as string, flagsOf(p));
    // The dashboard's per-instance counts, of the instances whose rows changed.
    const { counts, none } = countCapabilities(
      rows,
      new Set([
        ...changed.accounts.map((r) => r.instance_id),
        ...changed.permissions.map((r) => r.instance_id as string),
      ]),
    );
    await writeParts(trx, [
      { table: accountsTable, rows: changed.accounts, conflict: ['id'] },
      { table: permissionTable, rows: changed.permissions, conflict: ['account_id'] },
      { table: table('account_change_log'), rows: changed.changeLog, numbered: true },
      { table: countsTable, rows: counts, conflict: ['instance_id'], skipUnchanged: true },
      {
        table: countsTable,
        rows: none.map((id) => ({ instance_id: id })),
        conflict: ['instance_id'],
        delete: true,
      },
    ]);
  },
};
