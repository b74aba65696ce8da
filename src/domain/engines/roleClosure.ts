// Roles reach further roles: SQL Server user-defined server and database roles can be members of
// other roles, Oracle roles are granted to roles. Capabilities must see through that nesting, and an
// auditor must see the way: each reached role carries the chain of roles that leads to it.
// Engine-neutral; the Oracle mapping imports it too.

export interface MembershipEdge {
  member: string;
  role: string;
}

/**
 * Every role `start` reaches, mapped to the roles passed on the way (empty when granted directly).
 * Breadth-first, so each role gets its shortest chain; cycles are harmless. Roles in `ignore` (e.g.
 * PUBLIC) are neither reported nor followed.
 */
export function roleClosure(
  start: string,
  edges: Iterable<MembershipEdge>,
  ignore: ReadonlySet<string> = new Set(),
): Map<string, string[]> {
  const byMember = new Map<string, string[]>();
  for (const { member, role } of edges) {
    const roles = byMember.get(member) ?? [];
    roles.push(role);
    byMember.set(member, roles);
  }
  const reached = new Map<string, string[]>();
  const queue: Array<{ name: string; path: string[] }> = [{ name: start, path: [] }];
  for (let next = queue.shift(); next; next = queue.shift()) {
    for (const role of byMember.get(next.name) ?? []) {
      if (role === start || ignore.has(role) || reached.has(role)) continue;
      reached.set(role, next.path);
      queue.push({ name: role, path: [...next.path, role] });
    }
  }
  return reached;
}
