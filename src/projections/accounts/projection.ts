// instance_accounts, account_permission and account_change_log: the account inventory of each instance,
// the last permission facts of each account, and the log of what changed. Batch-friendly: a batch loads
// the accounts of the instances it touches, folds its events in log order in memory, then writes each
// changed row once and appends the change-log rows with ids it numbers itself (log order, then
// username), so a rebuild numbers them exactly as the live table did. account_capability_counts: the
// dashboard's counts per instance, counted again for the instances a batch changed (capabilityCountTable.ts).
import type { Projection } from '../projection.js';
import { selectWhereIn, writeRows } from '../rows.js';
import { capabilityCountTable, recountCapabilities } from './capabilityCountTable.js';
import { type AccountRow, foldAccounts } from './fold.js';

export { accountId, type ChangeType } from './fold.js';

const accountColumns = [
  'id',
  'instance_id',
  'username',
  'db_type',
  'is_active',
  'is_system',
  'is_locked',
  'attributes',
  'first_seen_at',
  'last_seen_at',
  'deleted_at',
];
// Times are read back as text so that rewriting a loaded row keeps microseconds (see rows.selectList).
const timeColumns = new Set(['first_seen_at', 'last_seen_at', 'deleted_at', 'last_change_time']);

export const accountsProjection: Projection = {
  name: 'accounts',
  tables: ['instance_accounts', 'account_permission', 'account_change_log', capabilityCountTable],
  eventTypes: ['InstanceInventorySynced', 'InventoryReverted', 'PermissionsSynced'],
  apply: async ({ trx, table }, events) => {
    const accountsTable = table('instance_accounts');
    const permissionTable = table('account_permission');
    const logTable = table('account_change_log');

    const inventoryInstances = new Set<string>();
    const permissionInstances = new Set<string>();
    for (const e of events) {
      const { instanceId } = e.data as { instanceId: string };
      if (e.type === 'PermissionsSynced') permissionInstances.add(instanceId);
      else inventoryInstances.add(instanceId);
    }

    // instance id -> username -> row
    const accounts = new Map<string, Map<string, AccountRow>>();
    for (const id of inventoryInstances) accounts.set(id, new Map());
    for (const row of await selectWhereIn<AccountRow>(
      trx,
      accountsTable,
      'instance_id',
      [...inventoryInstances],
      accountColumns,
      timeColumns,
    ))
      accounts.get(row.instance_id)!.set(row.username, row);
    // account id -> when its permissions last changed
    const lastChange = new Map<string, string>();
    for (const row of await selectWhereIn<{ account_id: string; last_change_time: string }>(
      trx,
      permissionTable,
      'instance_id',
      [...permissionInstances],
      ['account_id', 'last_change_time'],
      timeColumns,
    ))
      lastChange.set(row.account_id, row.last_change_time);

    const changed = foldAccounts({ accounts, lastChange }, events);
    await writeRows(trx, accountsTable, changed.accounts, { conflict: ['id'] });
    await writeRows(trx, permissionTable, changed.permissions, { conflict: ['account_id'] });
    // The dashboard's per-instance counts, of the instances whose rows changed.
    await recountCapabilities(
      trx,
      { accounts: accountsTable, permissions: permissionTable, counts: table(capabilityCountTable) },
      new Set([
        ...changed.accounts.map((r) => r.instance_id),
        ...changed.permissions.map((r) => r.instance_id as string),
      ]),
    );
    if (changed.changeLog.length > 0) {
      const [{ max }] = (await trx(logTable).max({ max: 'id' })) as [{ max: string | null }];
      let next = BigInt(max ?? 0);
      await writeRows(
        trx,
        logTable,
        changed.changeLog.map((r) => ({ id: (++next).toString(), ...r })),
      );
    }
  },
};
