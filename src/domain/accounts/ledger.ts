// Folds an instance's account stream into what it knew at a moment: the account set, each account's
// facts, and the inventories in order (a revert restores the set that preceded the last one).
// Pure: the same fold answers "what could this account do at time T" for auditors.
import type { PermissionFacts } from '../engines/model.js';
import type { FactsDiff, InventoryAccount } from './events.js';
import { sameJson } from './sameJson.js';

export { canonicalJson } from './sameJson.js';

export interface LedgerEvent {
  type: string;
  eventId: string;
  data: unknown;
  occurredAt: string;
}

export interface AccountLedger {
  accounts: Map<string, InventoryAccount>;
  facts: Map<string, PermissionFacts>;
  /** For each account with facts: when, and by which session, the PermissionsSynced that gave them was made. */
  observed: Map<string, { at: string; sessionId: string }>;
  /** Every username an inventory (or revert) ever listed: an account back after leaving is reactivated. */
  known: Set<string>;
  /**
   * Account sets after each inventory (or revert), oldest first, with the event that set them. A fold
   * continued from a state (a snapshot) holds only the inventories it folded itself.
   */
  inventories: { eventId: string; sessionId: string; accounts: InventoryAccount[] }[];
}

/** What a fold needs to go on from where another stopped: the ledger without its list of inventories. */
export type LedgerState = Omit<AccountLedger, 'inventories'>;

export const emptyLedger = (): AccountLedger => ({
  accounts: new Map(),
  facts: new Map(),
  observed: new Map(),
  known: new Set(),
  inventories: [],
});

/** `from`: the state a fold of the events before these reached (it is copied, never changed). */
export function foldLedger(events: readonly LedgerEvent[], until?: Date, from?: LedgerState): AccountLedger {
  const ledger: AccountLedger = from
    ? {
        accounts: new Map(from.accounts),
        facts: new Map(from.facts),
        observed: new Map(from.observed),
        known: new Set(from.known),
        inventories: [],
      }
    : emptyLedger();
  for (const e of events) {
    if (until && new Date(e.occurredAt) > until) break;
    const d = e.data as { sessionId: string; accounts: unknown[] };
    switch (e.type) {
      case 'InstanceInventorySynced':
      case 'InventoryReverted': {
        const accounts = d.accounts as InventoryAccount[];
        ledger.accounts = new Map(accounts.map((a) => [a.username, a]));
        ledger.inventories.push({ eventId: e.eventId, sessionId: d.sessionId, accounts });
        for (const a of accounts) ledger.known.add(a.username);
        break;
      }
      case 'PermissionsSynced':
        for (const a of d.accounts as { username: string; facts: PermissionFacts }[]) {
          ledger.facts.set(a.username, a.facts);
          ledger.observed.set(a.username, { at: e.occurredAt, sessionId: d.sessionId });
        }
        break;
    }
  }
  return ledger;
}

/** Which accounts were added, changed (locked or attributes), deactivated or reactivated since `before`. */
export function inventoryChanges(before: LedgerState, next: readonly InventoryAccount[]) {
  const known = before.known;
  const now = new Map(next.map((a) => [a.username, a]));
  const added: string[] = [];
  const changed: string[] = [];
  const reactivated: string[] = [];
  for (const [name, account] of now) {
    const prev = before.accounts.get(name);
    if (!prev) (known.has(name) ? reactivated : added).push(name);
    else if (prev.locked !== account.locked || !sameJson(prev.attributes, account.attributes))
      changed.push(name);
  }
  const deactivated = [...before.accounts.keys()].filter((name) => !now.has(name));
  return {
    added: added.sort(),
    changed: changed.sort(),
    deactivated: deactivated.sort(),
    reactivated: reactivated.sort(),
  };
}

const delta = (before: readonly string[], after: readonly string[]) => ({
  added: after.filter((x) => !before.includes(x)),
  removed: before.filter((x) => !after.includes(x)),
});

const scopes = (f: PermissionFacts): Record<string, string[]> => ({
  global: f.privileges.global,
  server: f.privileges.server,
  system: f.privileges.system,
  ...Object.fromEntries(Object.entries(f.privileges.database).map(([db, p]) => [`database:${db}`, p])),
  ...Object.fromEntries(Object.entries(f.privileges.tablespace).map(([ts, p]) => [`tablespace:${ts}`, p])),
});

/** The change between two facts, or null when nothing changed. */
export function diffFacts(before: PermissionFacts, after: PermissionFacts): FactsDiff | null {
  const a = scopes(before);
  const b = scopes(after);
  const privileges: FactsDiff['privileges'] = {};
  for (const scope of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const d = delta(a[scope] ?? [], b[scope] ?? []);
    if (d.added.length || d.removed.length) privileges[scope] = d;
  }
  const diff: FactsDiff = {
    capabilities: delta(before.capabilities, after.capabilities),
    roles: delta(before.roles, after.roles),
    privileges,
  };
  const empty =
    !diff.capabilities.added.length &&
    !diff.capabilities.removed.length &&
    !diff.roles.added.length &&
    !diff.roles.removed.length &&
    Object.keys(privileges).length === 0;
  return empty ? null : diff;
}

export const emptyDiff = (): FactsDiff => ({
  capabilities: { added: [], removed: [] },
  roles: { added: [], removed: [] },
  privileges: {},
});
