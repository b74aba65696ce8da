// SQL Server logins -> accounts: which are built in, which cannot log in and why.
import type { AccountInfo, ItemError } from '../model.js';
import type {
  CollectorRightsRow,
  LoginRow,
  ServerPermissionRow,
  ServerRoleMemberRow,
} from './catalogRows.js';
import { entryReason, findEntry, grantsOf } from './grants.js';
import { roleClosure, type MembershipEdge } from '../roleClosure.js';

/** Every login is implicitly in public; it is never listed and never followed. */
export const PUBLIC_ROLE = new Set(['public']);

const systemPrefixes = ['##', 'NT SERVICE\\', 'NT AUTHORITY\\'];

/** Certificate logins (##MS_...##) and service / machine accounts. 'sa' is a real login an admin uses. */
export function isSystemLogin(name: string): boolean {
  const upper = name.toUpperCase();
  return systemPrefixes.some((prefix) => upper.startsWith(prefix));
}

export function serverRoleEdges(rows: readonly ServerRoleMemberRow[]): MembershipEdge[] {
  return rows.map((r) => ({ member: r.member_name, role: r.role_name }));
}

/** Why the login cannot log in; empty when it can. Must-change alone does not stop a login. */
export function lockReasons(login: LoginRow, connectSqlDenial: string | null): string[] {
  const reasons: string[] = [];
  if (login.is_disabled) reasons.push('login is disabled (is_disabled = 1)');
  if (login.is_locked === 1) reasons.push('login is locked out (LOGINPROPERTY IsLocked = 1)');
  if (login.is_expired === 1) reasons.push('password expired (LOGINPROPERTY IsExpired = 1)');
  if (connectSqlDenial) reasons.push(connectSqlDenial);
  return reasons;
}

/** "CONNECT SQL denied" (or "... via role") when a DENY CONNECT SQL reaches the login, else null. */
export function connectSqlDenial(
  login: string,
  edges: readonly MembershipEdge[],
  permissions: readonly ServerPermissionRow[],
): string | null {
  const entries = grantsOf(login, roleClosure(login, edges, PUBLIC_ROLE), permissions);
  const deny = findEntry(entries, 'CONNECT SQL', true);
  return deny ? entryReason(deny, 'denied') : null;
}

export function mapLogins(
  logins: readonly LoginRow[],
  roleMembers: readonly ServerRoleMemberRow[],
  permissions: readonly ServerPermissionRow[],
): AccountInfo[] {
  const edges = serverRoleEdges(roleMembers);
  return logins.map((login) => {
    const denial = connectSqlDenial(login.name, edges, permissions);
    return {
      username: login.name,
      isSystem: isSystemLogin(login.name),
      locked: lockReasons(login, denial).length > 0,
      attributes: loginAttributes(login, denial !== null),
    };
  });
}

export function loginAttributes(login: LoginRow, connectSqlDenied: boolean): Record<string, unknown> {
  return {
    type: login.type,
    type_desc: login.type_desc,
    is_disabled: login.is_disabled,
    is_locked: flag(login.is_locked),
    is_expired: flag(login.is_expired),
    is_must_change: flag(login.is_must_change),
    is_policy_checked: login.is_policy_checked,
    is_expiration_checked: login.is_expiration_checked,
    default_database: login.default_database_name,
    connect_sql_denied: connectSqlDenied,
  };
}

/** LOGINPROPERTY values: 1/0 -> boolean; null (Windows logins) stays null. */
function flag(value: number | null): boolean | null {
  return value === null ? null : value === 1;
}

/**
 * Without VIEW ANY DEFINITION SQL Server does not refuse the catalog queries: it silently shows only the
 * collector's own login and the fixed roles. That silence must be reported, or logins would look deleted.
 */
export function collectorRightsErrors(row: CollectorRightsRow | undefined): ItemError[] {
  if (!row || row.view_any_definition === 1) return [];
  return [
    {
      item: 'sys.server_principals',
      code: 'PERMISSION_DENIED',
      message:
        'the collector lacks VIEW ANY DEFINITION: SQL Server shows it only its own login and the fixed ' +
        'server roles, so the list of logins and their permissions is incomplete',
    },
  ];
}
