// The pure fold of account events (inventories, reverts, permission facts) over the rows a batch has
// loaded: what instance_accounts, account_permission and account_change_log receive. Times come from the
// events only; change-log rows come in log order, then by username, so a rebuild numbers them as the
// live table did.
import type { RecordedEvent } from '../../domain/events/envelope.js';
import type { FactsDiff, InventoryAccount } from '../../domain/accounts/events.js';
import type { DbType, PermissionFacts } from '../../domain/engines/model.js';
import { accountId } from '../../domain/ids.js';

export { accountId };

export type ChangeType = 'add' | 'modify_privilege' | 'modify_other' | 'delete';

export interface AccountRow {
  id: string;
  instance_id: string;
  username: string;
  db_type: string;
  is_active: boolean;
  is_system: boolean;
  is_locked: boolean;
  attributes: Record<string, unknown>;
  first_seen_at: string;
  last_seen_at: string;
  deleted_at: string | null;
}

export interface ChangeRow {
  instance_id: string;
  username: string;
  change_type: ChangeType;
  change_time: string;
  session_id: string | null;
  privilege_diff: FactsDiff | null;
  other_diff: Record<string, unknown> | null;
}

interface InventoryData {
  instanceId: string;
  sessionId: string;
  dbType?: DbType;
  accounts: InventoryAccount[];
  added?: string[];
  changed?: string[];
  deactivated?: string[];
  reactivated?: string[];
}

interface PermissionsData {
  instanceId: string;
  sessionId: string;
  accounts: {
    username: string;
    facts: PermissionFacts;
    snapshot: Record<string, unknown>;
    diff: FactsDiff | null;
  }[];
}

/** JSON with object keys sorted: jsonb reorders keys, so compare values in this form. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );

/** Whether two attribute values differ: primitives compared as they are, objects in canonical form. */
const differs = (from: unknown, to: unknown): boolean =>
  from !== null && typeof from === 'object' && to !== null && typeof to === 'object'
    ? canonical(from) !== canonical(to)
    : from !== to;

/**
 * accountId, remembered: a sha1 per account at every PermissionsSynced was a tenth of the fold's time in a
 * rebuild. Bounded (cleared when full); the id is a pure function of its key, so a stale entry cannot be.
 */
const ids = new Map<string, string>();
const idOf = (instanceId: string, username: string): string => {
  const key = `${instanceId}/${username}`;
  let id = ids.get(key);
  if (id === undefined) {
    if (ids.size >= 100_000) ids.clear();
    id = accountId(instanceId, username);
    ids.set(key, id);
  }
  return id;
};

/** What differs, besides privileges, between an account's row and its new inventory entry. */
function otherDiff(before: AccountRow, after: InventoryAccount): Record<string, unknown> | null {
  const diff: Record<string, unknown> = {};
  if (before.is_locked !== after.locked) diff.is_locked = { from: before.is_locked, to: after.locked };
  if (before.is_system !== after.isSystem) diff.is_system = { from: before.is_system, to: after.isSystem };
  const attributes: Record<string, unknown> = {};
  for (const key of [
    ...new Set([...Object.keys(before.attributes), ...Object.keys(after.attributes)]),
  ].sort()) {
    const from = before.attributes[key];
    const to = after.attributes[key];
    if (differs(from, to)) attributes[key] = { from: from ?? null, to: to ?? null };
  }
  if (Object.keys(attributes).length > 0) diff.attributes = attributes;
  return Object.keys(diff).length > 0 ? diff : null;
}

const diffIsEmpty = (d: FactsDiff): boolean =>
  d.capabilities.added.length === 0 &&
  d.capabilities.removed.length === 0 &&
  d.roles.added.length === 0 &&
  d.roles.removed.length === 0 &&
  Object.values(d.privileges).every((p) => p.added.length === 0 && p.removed.length === 0);

const rank: Record<ChangeType, number> = { add: 0, modify_other: 1, modify_privilege: 2, delete: 3 };
const byUsername = (a: ChangeRow, b: ChangeRow) =>
  a.username < b.username ? -1 : a.username > b.username ? 1 : rank[a.change_type] - rank[b.change_type];

/** An account_permission row, as written (facts and snapshot as values, for writeRows). */
export type PermissionRow = Record<string, unknown>;

/** The rows a batch has loaded: accounts by instance then username, permission change times by account id. */
export interface AccountTables {
  accounts: Map<string, Map<string, AccountRow>>;
  lastChange: Map<string, string>;
}

/** Folds events in log order over the loaded rows (changed in place); returns what to write. */
export function foldAccounts(
  tables: AccountTables,
  events: readonly RecordedEvent[],
): { accounts: AccountRow[]; permissions: PermissionRow[]; changeLog: ChangeRow[] } {
  const { accounts, lastChange } = tables;
  const dirtyAccounts = new Map<string, AccountRow>();
  const permissionRows = new Map<string, PermissionRow>();
  const changeLog: ChangeRow[] = [];

  /**
   * Makes `set` the instance's active accounts: upserts present ones, deactivates absent ones.
   * `seen`: an inventory saw the accounts (last_seen_at moves); a revert only restores them.
   */
  const applySet = (
    instanceId: string,
    dbType: string,
    set: readonly InventoryAccount[],
    at: string,
    seen: boolean,
  ) => {
    const known = accounts.get(instanceId)!;
    const result = {
      added: [] as string[],
      reactivated: [] as string[],
      changed: new Map<string, Record<string, unknown> | null>(),
      deactivated: [] as string[],
    };
    const present = new Set<string>();
    for (const a of set) {
      present.add(a.username);
      const before = known.get(a.username);
      if (!before) result.added.push(a.username);
      else if (!before.is_active) result.reactivated.push(a.username);
      else {
        const diff = otherDiff(before, a);
        if (diff) result.changed.set(a.username, diff);
      }
      const row: AccountRow = {
        id: before?.id ?? idOf(instanceId, a.username),
        instance_id: instanceId,
        username: a.username,
        db_type: dbType,
        is_active: true,
        is_system: a.isSystem,
        is_locked: a.locked,
        attributes: a.attributes,
        first_seen_at: before?.first_seen_at ?? at,
        last_seen_at: seen ? at : (before?.last_seen_at ?? at),
        deleted_at: null,
      };
      known.set(a.username, row);
      dirtyAccounts.set(row.id, row);
    }
    for (const row of known.values()) {
      if (!row.is_active || present.has(row.username)) continue;
      result.deactivated.push(row.username);
      row.is_active = false;
      row.deleted_at = at;
      dirtyAccounts.set(row.id, row);
    }
    return result;
  };

  for (const e of events) {
    const at = e.metadata.occurredAt;
    const rows: ChangeRow[] = [];
    const change = (
      instanceId: string,
      username: string,
      changeType: ChangeType,
      sessionId: string,
      diffs: { privilege?: FactsDiff; other?: Record<string, unknown> | null } = {},
    ) =>
      rows.push({
        instance_id: instanceId,
        username,
        change_type: changeType,
        change_time: at,
        session_id: sessionId,
        privilege_diff: diffs.privilege ?? null,
        other_diff: diffs.other ?? null,
      });

    switch (e.type) {
      case 'InstanceInventorySynced': {
        const d = e.data as InventoryData;
        const result = applySet(d.instanceId, d.dbType!, d.accounts, at, true);
        // The event says what the sync decided. A 'changed' account is logged only when its row
        // really changed (locked, system or attributes, compared key-order-free: attributes come back
        // from jsonb with their keys reordered), with what changed as other_diff.
        for (const u of d.added ?? []) change(d.instanceId, u, 'add', d.sessionId);
        for (const u of d.reactivated ?? [])
          change(d.instanceId, u, 'add', d.sessionId, { other: { reactivated: true } });
        for (const u of d.changed ?? []) {
          const other = result.changed.get(u);
          if (other) change(d.instanceId, u, 'modify_other', d.sessionId, { other });
        }
        for (const u of d.deactivated ?? []) change(d.instanceId, u, 'delete', d.sessionId);
        break;
      }
      case 'InventoryReverted': {
        // Restores exactly the given set; the log records what the restore changed.
        const d = e.data as InventoryData;
        const known = accounts.get(d.instanceId)!;
        const dbType = known.values().next().value?.db_type ?? 'unknown';
        const result = applySet(d.instanceId, dbType, d.accounts, at, false);
        for (const u of result.added) change(d.instanceId, u, 'add', d.sessionId);
        for (const u of result.reactivated)
          change(d.instanceId, u, 'add', d.sessionId, { other: { reactivated: true } });
        for (const [u, other] of result.changed)
          change(d.instanceId, u, 'modify_other', d.sessionId, { other });
        for (const u of result.deactivated) change(d.instanceId, u, 'delete', d.sessionId);
        break;
      }
      case 'PermissionsSynced': {
        const d = e.data as PermissionsData;
        for (const a of d.accounts) {
          const id = idOf(d.instanceId, a.username);
          const previous = lastChange.get(id);
          // diff null: first sight, or (as the sync writes it) nothing changed since the last facts.
          const type =
            a.diff === null
              ? previous === undefined
                ? 'add'
                : 'none'
              : diffIsEmpty(a.diff)
                ? 'none'
                : 'modify_privilege';
          const changedAt = type === 'none' ? (previous ?? at) : at;
          lastChange.set(id, changedAt);
          permissionRows.set(id, {
            account_id: id,
            instance_id: d.instanceId,
            username: a.username,
            db_type: a.facts.db_type,
            permission_snapshot: a.snapshot,
            permission_facts: a.facts,
            is_superuser: a.facts.capabilities.includes('SUPERUSER'),
            is_locked: a.facts.capabilities.includes('LOCKED'),
            last_sync_time: at,
            last_change_type: type,
            last_change_time: changedAt,
          });
          if (type === 'modify_privilege')
            change(d.instanceId, a.username, 'modify_privilege', d.sessionId, { privilege: a.diff! });
        }
        break;
      }
    }
    changeLog.push(...rows.sort(byUsername));
  }

  return { accounts: [...dirtyAccounts.values()], permissions: [...permissionRows.values()], changeLog };
}
