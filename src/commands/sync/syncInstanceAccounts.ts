// Account sync of one instance inside a session: phase 1 inventory (InstanceInventorySynced), phase 2
// permissions (PermissionsSynced, or PermissionsFailed). It throws on failure with the phase it failed
// in; the session runner turns that into InstanceSyncFailed, so the record always ends. An inventory the
// guard stops (too many deactivations) appends nothing and fails with INVENTORY_GUARD_TRIPPED until an
// operator confirms it; an account whose permissions could not be read keeps its facts.
import { EngineError, type EngineAdapter } from '../../adapters/engines/port.js';
import type { EventStore } from '../../adapters/eventStore/port.js';
import { accountsStream, type InventoryAccount } from '../../domain/accounts/events.js';
import { DEFAULT_MAX_DEACTIVATE_PERCENT, deactivationGuard } from '../../domain/accounts/inventoryGuard.js';
import { inventoryChanges } from '../../domain/accounts/ledger.js';
import { permissionChanges } from '../../domain/accounts/permissionChanges.js';
import type { DbType } from '../../domain/engines/model.js';
import type { EventData } from '../../domain/events/envelope.js';
import { newEvent, running, type CommandContext } from '../commandContext.js';
import { errorMessage } from '../../domain/errors.js';
import { readLedger, saveLedgerAfter, type LedgerSnapshots } from './ledgerSnapshots.js';
import { engineCode, failedIn, listInventory, PhaseError } from './phaseError.js';

export { toLedgerEvents } from './ledgerSnapshots.js';

export interface SyncResult {
  itemsSynced: number;
  itemsCreated: number;
  itemsUpdated: number;
  itemsDeleted: number;
  details: Record<string, unknown>;
}

export async function syncInstanceAccounts(input: {
  store: Pick<EventStore, 'readStream' | 'append' | 'eventIdAt'>;
  adapter: EngineAdapter;
  dbType: DbType;
  instanceId: string;
  sessionId: string;
  ctx: CommandContext;
  /** Only the permissions phase (retry of a record that failed there). */
  permissionsOnly?: boolean;
  /** INVENTORY_MAX_DEACTIVATE_PERCENT: the inventory guard's limit (default 50). */
  maxDeactivatePercent?: number;
  /** Told when the inventory is appended: a deadline from then on fails the record in phase permissions. */
  reached?: (phase: 'permissions') => void;
  /** The operator confirmed the deactivations the guard stopped: apply them (confirm-inventory). */
  confirmDeactivation?: boolean;
  /** Where the folded ledger is kept between syncs; without it the stream is folded from the start. */
  snapshots?: LedgerSnapshots | undefined;
}): Promise<SyncResult> {
  const { store, adapter, instanceId, sessionId, ctx } = input;
  const event = <T extends string, D>(type: T, data: D) =>
    newEvent(running(ctx), type, data, { sessionId, instanceId });
  const stream = accountsStream(instanceId);
  // A snapshot behind the stream is brought up to it while the engine is read (never rejects).
  const { ledger: before, revision: from, saved } = await readLedger(store, stream, input.snapshots);
  let revision = from;
  const written: EventData[] = [];
  let changes = {
    added: [] as string[],
    changed: [] as string[],
    deactivated: [] as string[],
    reactivated: [] as string[],
  };
  let accounts = [...before.accounts.values()];
  let confirmed = false;

  if (!input.permissionsOnly) {
    const listed = await listInventory(() => adapter.listAccounts(), 'no account could be read: ');
    accounts = listed.items.map((a): InventoryAccount => ({
      username: a.username,
      isSystem: a.isSystem,
      locked: a.locked,
      attributes: a.attributes,
    }));
    changes = inventoryChanges(before, accounts);
    const guard = deactivationGuard({
      activeBefore: before.accounts.size,
      deactivated: changes.deactivated,
      maxPercent: input.maxDeactivatePercent ?? DEFAULT_MAX_DEACTIVATE_PERCENT,
    });
    if (guard.tripped && !input.confirmDeactivation)
      throw new PhaseError('inventory', 'INVENTORY_GUARD_TRIPPED', guard.reason!);
    confirmed = guard.tripped;
    const inventory = event('InstanceInventorySynced', {
      instanceId,
      sessionId,
      dbType: input.dbType,
      accounts,
      ...changes,
      ...(confirmed && { confirmedDeactivation: true as const }),
    });
    const appended = await store.append(stream, [inventory], { expectedRevision: revision });
    written.push(inventory);
    revision = appended.nextExpectedRevision;
    input.reached?.('permissions');
  }

  let snapshot;
  try {
    snapshot = await adapter.permissionSnapshot();
    if (snapshot.items.length === 0 && accounts.length > 0 && snapshot.errors.length > 0) {
      throw new EngineError(
        'PERMISSION_DENIED',
        `no permission could be read: ${snapshot.errors.map((e) => e.message).join('; ')}`,
      );
    }
  } catch (err) {
    // docs/defects.md#defect-1: the inventory is written, the permissions are not. Say so in the
    // account stream; the record fails with phase 'permissions' and can be retried or reverted.
    await store.append(
      stream,
      [
        event('PermissionsFailed', {
          instanceId,
          sessionId,
          messageCode: engineCode(err),
          message: errorMessage(err).slice(0, 4000),
        }),
      ],
      { expectedRevision: revision },
    );
    throw failedIn('permissions', err);
  }
  const read = permissionChanges({
    previous: before.facts,
    accounts: accounts.map((a) => a.username),
    snapshot,
  });
  const permissions = event('PermissionsSynced', {
    instanceId,
    sessionId,
    accounts: read.entries,
    errors: snapshot.errors,
    ...(read.unread.length > 0 && { unread: read.unread }),
    ...(read.vanishedDatabases.length > 0 && { vanishedDatabases: read.vanishedDatabases }),
  });
  const done = await store.append(stream, [permissions], { expectedRevision: revision });
  // The next sync starts from the ledger as of this sync's last event (best effort: never rejects).
  await saved;
  await saveLedgerAfter(
    input.snapshots,
    stream,
    before,
    [...written, permissions],
    done.nextExpectedRevision,
  );
  const modified = read.entries.filter((a) => a.diff !== null).length;
  return {
    itemsSynced: accounts.length,
    itemsCreated: changes.added.length + changes.reactivated.length,
    itemsUpdated: changes.changed.length + modified,
    itemsDeleted: changes.deactivated.length,
    details: {
      ...changes,
      privilegesModified: modified,
      itemErrors: snapshot.errors.length,
      // Accounts whose facts were kept as they were, with the code that kept them from being read.
      unreadAccounts: read.unread.map(({ username, code }) => ({ username, code })),
      ...(read.vanishedDatabases.length > 0 && { vanishedDatabases: read.vanishedDatabases }),
      ...(confirmed && { confirmedDeactivation: true }),
    },
  };
}
