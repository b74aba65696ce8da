// What one permission snapshot may claim about an instance's accounts. Only what was observed is
// recorded (docs/flows/accounts-sync.md#what-a-sync-may-claim):
// - an account whose permissions could not be read keeps its earlier facts: no entry, no diff, an item
//   error with its code. That is an account an error names, one the snapshot left out while catalog
//   errors say why, and one whose facts miss a catalog its earlier facts had (facts.errors names an item
//   the earlier facts did not): comparing those would turn the unread part into "removed";
// - facts read more completely than the earlier ones are recorded without a diff: what looks added may
//   have been there, unseen;
// - per-database privileges of a database the instance no longer has are not a change of every account:
//   the database is named once as vanished and the diff leaves it out.
import type { PermissionFacts, PermissionsCollected } from '../engines/model.js';
import type { FactsDiff } from './events.js';
import { diffFacts } from './ledger.js';

export interface PermissionEntry {
  username: string;
  facts: PermissionFacts;
  snapshot: Record<string, unknown>;
  /** null on first sight, when nothing changed, or when the earlier facts were read less completely. */
  diff: FactsDiff | null;
}

/** An account whose facts were not updated, and the error that kept them from being read. */
export interface UnreadAccount {
  username: string;
  code: string;
  item: string;
}

export interface PermissionChanges {
  entries: PermissionEntry[];
  unread: UnreadAccount[];
  vanishedDatabases: string[];
}

const unreadItems = (facts: PermissionFacts) => new Set(facts.errors.map((e) => e.item));

/** The facts without the given databases' privileges (and, SQL Server, their `db:role` memberships). */
export function withoutDatabases(facts: PermissionFacts, databases: ReadonlySet<string>): PermissionFacts {
  if (databases.size === 0) return facts;
  const inDatabase = (role: string) =>
    facts.db_type === 'sqlserver' && databases.has(role.slice(0, role.indexOf(':')));
  return {
    ...facts,
    roles: facts.roles.filter((r) => !inDatabase(r)),
    privileges: {
      ...facts.privileges,
      database: Object.fromEntries(
        Object.entries(facts.privileges.database).filter(([db]) => !databases.has(db)),
      ),
    },
  };
}

export function permissionChanges(input: {
  /** Each account's facts before this snapshot. */
  previous: ReadonlyMap<string, PermissionFacts>;
  /** The instance's accounts now (its inventory). */
  accounts: readonly string[];
  snapshot: PermissionsCollected;
}): PermissionChanges {
  const { previous, snapshot } = input;
  const present = new Set(input.accounts);
  const items = snapshot.items.filter((p) => present.has(p.username));
  const listed = snapshot.databases && new Set(snapshot.databases);
  const vanished = new Set<string>();
  if (listed)
    for (const name of present)
      for (const db of Object.keys(previous.get(name)?.privileges.database ?? {}))
        if (!listed.has(db)) vanished.add(db);

  const entries: PermissionEntry[] = [];
  const unread: UnreadAccount[] = [];
  for (const p of items) {
    const before = previous.get(p.username);
    const entry = { username: p.username, facts: p.facts, snapshot: { ...p.snapshot } };
    if (!before) {
      entries.push({ ...entry, diff: null });
      continue;
    }
    const was = unreadItems(before);
    const is = unreadItems(p.facts);
    const missing = p.facts.errors.find((e) => !was.has(e.item));
    if (missing) unread.push({ username: p.username, code: missing.code, item: missing.item });
    else if ([...was].some((item) => !is.has(item))) entries.push({ ...entry, diff: null });
    else entries.push({ ...entry, diff: diffFacts(withoutDatabases(before, vanished), p.facts) });
  }

  const read = new Set(items.map((p) => p.username));
  const catalogError = snapshot.errors.find((e) => e.account === undefined);
  for (const username of [...present].sort()) {
    if (read.has(username)) continue;
    // Left out with no error that explains it: dropped between the inventory and this snapshot.
    const why = snapshot.errors.find((e) => e.account === username) ?? catalogError;
    if (why) unread.push({ username, code: why.code, item: why.item });
  }
  unread.sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
  return { entries, unread, vanishedDatabases: [...vanished].sort() };
}
