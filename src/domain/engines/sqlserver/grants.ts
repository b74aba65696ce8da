// The permissions a principal holds, at server or database level: those granted to it and those granted
// to the roles it reaches. A DENY anywhere on that path beats a GRANT of the same permission on the same
// securable, so denied permissions are listed in the snapshot but never counted as held.
import type { PermissionState } from './catalogRows.js';

/** The columns sys.server_permissions and sys.database_permissions rows share. */
export interface PermissionRowLike {
  grantee_name: string;
  class_desc: string;
  securable_name: string | null;
  permission_name: string;
  state: PermissionState;
}

export type GrantState = 'GRANT' | 'GRANT_WITH_GRANT_OPTION' | 'DENY';

/** One permission row as it applies to the account: the snapshot's server_permissions / database_permissions entries. */
export interface GrantEntry {
  permission: string;
  state: GrantState;
  class: string;
  securable: string | null;
  /** The role chain the row is held through ("role" or "outer > inner"); null when granted to the account itself. */
  via: string | null;
}

const stateNames: Partial<Record<PermissionState, GrantState>> = {
  G: 'GRANT',
  W: 'GRANT_WITH_GRANT_OPTION',
  D: 'DENY',
};

/** T-SQL securable class names, as GRANT ... ON <class>::<name> spells them. */
const classLabels: Record<string, string> = {
  OBJECT_OR_COLUMN: 'OBJECT',
  SERVER_PRINCIPAL: 'LOGIN',
  DATABASE_PRINCIPAL: 'USER',
};

/** Rows granted or denied to `principal` or to a role of `closure` (role -> chain from roleClosure). */
export function grantsOf(
  principal: string,
  closure: ReadonlyMap<string, readonly string[]>,
  rows: readonly PermissionRowLike[],
): GrantEntry[] {
  const holders = new Map<string, string | null>([[principal, null]]);
  for (const [role, path] of closure) holders.set(role, [...path, role].join(' > '));
  const entries: GrantEntry[] = [];
  for (const row of rows) {
    const state = stateNames[row.state];
    if (!state || !holders.has(row.grantee_name)) continue;
    entries.push({
      permission: row.permission_name,
      state,
      class: row.class_desc,
      securable: row.securable_name,
      via: holders.get(row.grantee_name) ?? null,
    });
  }
  return entries.sort(
    (a, b) =>
      permissionLabel(a).localeCompare(permissionLabel(b)) ||
      a.state.localeCompare(b.state) ||
      (a.via ?? '').localeCompare(b.via ?? ''),
  );
}

/** "CONTROL SERVER" for server- or database-wide permissions, "SELECT ON OBJECT::dbo.orders" otherwise. */
export function permissionLabel(entry: Pick<GrantEntry, 'permission' | 'class' | 'securable'>): string {
  if (entry.class === 'SERVER' || entry.class === 'DATABASE') return entry.permission;
  const cls = classLabels[entry.class] ?? entry.class;
  return entry.securable === null
    ? `${entry.permission} ON ${cls}`
    : `${entry.permission} ON ${cls}::${entry.securable}`;
}

/** Labels of the permissions held: granted (with or without grant option) and not denied. */
export function heldLabels(entries: readonly GrantEntry[]): string[] {
  const denied = new Set(entries.filter((e) => e.state === 'DENY').map(permissionLabel));
  return entries.filter((e) => e.state !== 'DENY' && !denied.has(permissionLabel(e))).map(permissionLabel);
}

/** The first entry holding (or denying) a server- or database-wide permission, for reasons. */
export function findEntry(
  entries: readonly GrantEntry[],
  permission: string,
  denied: boolean,
): GrantEntry | undefined {
  return entries.find(
    (e) =>
      e.permission === permission &&
      (e.class === 'SERVER' || e.class === 'DATABASE') &&
      (e.state === 'DENY') === denied,
  );
}

/** "CONTROL SERVER granted via role ops_admins" style reasons. */
export function entryReason(entry: GrantEntry, verb: string): string {
  return `${permissionLabel(entry)} ${verb}${entry.via ? ` via ${entry.via}` : ''}`;
}
