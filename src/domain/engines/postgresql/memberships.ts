// Role memberships: pg_auth_members grants -> every role an account belongs to, directly or through
// other roles, and whether it uses that role's privileges without SET ROLE. Pure.

/**
 * One grant of pg_auth_members: `member` is a member of `role`. Before PostgreSQL 16 inherit_option is
 * the member's rolinherit and set_option is always true (both became per-grant options in 16).
 */
export interface PgMembershipRow {
  member: string;
  role: string;
  admin_option: boolean;
  inherit_option: boolean;
  set_option: boolean;
  grantor: string | null;
}

/** A role the account is a member of, directly or through other roles. */
export interface PgMembership {
  role: string;
  /** true: granted to the account itself; false: reached through `via`. */
  direct: boolean;
  /** The role the account is a member of this role through (null when direct). */
  via: string | null;
  /** Options of the grant that links `via` (or the account, when direct) to `role`. */
  admin_option: boolean;
  inherit_option: boolean;
  set_option: boolean;
  grantors: string[];
  /** Whether the account uses this role's privileges without SET ROLE (a chain of inherit grants). */
  inherits_privileges: boolean;
}

/**
 * The grants by member, built once per list of grants: a snapshot asks for every account's memberships
 * in the same list of the cluster's grants (the list is read-only: it is never changed once read).
 */
const indexes = new WeakMap<readonly PgMembershipRow[], Map<string, PgMembershipRow[]>>();

function grantsByMember(edges: readonly PgMembershipRow[]): Map<string, PgMembershipRow[]> {
  let byMember = indexes.get(edges);
  if (byMember) return byMember;
  byMember = new Map();
  for (const e of edges) {
    const list = byMember.get(e.member);
    if (list) list.push(e);
    else byMember.set(e.member, [e]);
  }
  indexes.set(edges, byMember);
  return byMember;
}

/**
 * Every role `member` belongs to, breadth first, so `via` is on a shortest path. Several grants of the
 * same role to the same member (PostgreSQL 16+, one per grantor) are merged: an option holds if one of the grants has it.
 */
export function membershipsOf(member: string, edges: readonly PgMembershipRow[]): PgMembership[] {
  const byMember = grantsByMember(edges);

  const found = new Map<string, PgMembership>();
  let frontier = [member];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const from of frontier) {
      for (const e of byMember.get(from) ?? []) {
        if (e.role === member) continue;
        const known = found.get(e.role);
        const via = from === member ? null : from;
        if (known && known.via !== via) continue; // reached earlier (or at this depth) through another role
        const grantors = e.grantor === null ? [] : [e.grantor];
        if (known) {
          known.admin_option ||= e.admin_option;
          known.inherit_option ||= e.inherit_option;
          known.set_option ||= e.set_option;
          known.grantors = [...new Set([...known.grantors, ...grantors])].sort();
          continue;
        }
        found.set(e.role, {
          role: e.role,
          direct: via === null,
          via,
          admin_option: e.admin_option,
          inherit_option: e.inherit_option,
          set_option: e.set_option,
          grantors,
          inherits_privileges: false,
        });
        next.push(e.role);
      }
    }
    frontier = next;
  }

  // Privileges flow only along grants with inherit_option (pg_has_role(..., 'USAGE')).
  const inheriting = new Set<string>();
  const stack = [member];
  while (stack.length > 0) {
    const from = stack.pop()!;
    for (const e of byMember.get(from) ?? []) {
      if (!e.inherit_option || e.role === member || inheriting.has(e.role)) continue;
      inheriting.add(e.role);
      stack.push(e.role);
    }
  }
  for (const m of found.values()) m.inherits_privileges = inheriting.has(m.role);
  return [...found.values()].sort((a, b) => a.role.localeCompare(b.role));
}
