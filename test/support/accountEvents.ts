// Account events for tests, appended at chosen times on an instance's accounts stream.
import { randomUUID } from 'node:crypto';
import type { EventStore } from '../../src/adapters/eventStore/port.js';
import { accountsStream, type InventoryAccount } from '../../src/domain/accounts/events.js';
import { diffFacts, foldLedger, inventoryChanges } from '../../src/domain/accounts/ledger.js';
import type { DbType, PermissionFacts } from '../../src/domain/engines/model.js';
import { testMetadata } from './eventFactory.js';

const actor = { kind: 'user' as const, id: randomUUID() };

/** Account events built the way the account sync builds them: from the ledger fold of the stream. */
export function accountEvents(store: EventStore) {
  const ledger = async (instanceId: string) =>
    foldLedger(
      (await store.readStream(accountsStream(instanceId))).map((e) => ({
        type: e.type,
        eventId: e.eventId,
        data: e.data,
        occurredAt: e.metadata.occurredAt,
      })),
    );
  const append = (instanceId: string, sessionId: string, at: string, type: string, data: unknown) =>
    store.append(
      accountsStream(instanceId),
      [
        {
          eventId: randomUUID(),
          type,
          schemaVersion: 1,
          data,
          metadata: testMetadata({ actor, occurredAt: at, sessionId, instanceId }),
        },
      ],
      { expectedRevision: 'any' },
    );
  return {
    async inventory(
      instanceId: string,
      dbType: DbType,
      sessionId: string,
      at: string,
      accounts: InventoryAccount[],
    ) {
      const changes = inventoryChanges(await ledger(instanceId), accounts);
      await append(instanceId, sessionId, at, 'InstanceInventorySynced', {
        instanceId,
        sessionId,
        dbType,
        accounts,
        ...changes,
      });
      return changes;
    },
    async permissions(
      instanceId: string,
      sessionId: string,
      at: string,
      facts: Record<string, PermissionFacts>,
    ) {
      const before = await ledger(instanceId);
      const accounts = Object.entries(facts).map(([username, f]) => {
        const previous = before.facts.get(username);
        return {
          username,
          facts: f,
          snapshot: {
            version: 4,
            db_type: f.db_type,
            categories: { global_privileges: f.privileges.global },
            type_specific: {},
            errors: [],
            meta: { collected_at: at, server_version: null },
          },
          diff: previous ? diffFacts(previous, f) : null,
        };
      });
      await append(instanceId, sessionId, at, 'PermissionsSynced', {
        instanceId,
        sessionId,
        accounts,
        errors: [],
      });
      return accounts.map((a) => a.diff);
    },
    async permissionsFailed(instanceId: string, sessionId: string, at: string) {
      await append(instanceId, sessionId, at, 'PermissionsFailed', {
        instanceId,
        sessionId,
        messageCode: 'PERMISSION_DENIED',
        message: 'SELECT command denied on mysql.global_priv',
      });
    },
    /** Restores the set that preceded the last inventory. */
    async revert(instanceId: string, sessionId: string, at: string) {
      const { inventories } = await ledger(instanceId);
      await append(instanceId, sessionId, at, 'InventoryReverted', {
        instanceId,
        sessionId,
        accounts: inventories[inventories.length - 2]!.accounts,
        revertedEventId: inventories[inventories.length - 1]!.eventId,
      });
    },
  };
}

export const mysqlAccount = (username: string, extra: Partial<InventoryAccount> = {}): InventoryAccount => ({
  username,
  isSystem: false,
  locked: false,
  attributes: { plugin: 'mysql_native_password', account_locked: 'N' },
  ...extra,
});
