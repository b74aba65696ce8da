// SQL Server catalog rows -> per login: the v4 permission snapshot and the permission facts.
// Server level: roles reached (nested user-defined roles included, public never), permissions granted
// or denied to the login or its roles. Database level: the same for the user the login maps to.
import {
  makeFacts,
  type AccountPermissions,
  type Capability,
  type ItemError,
  type PermissionSnapshot,
} from '../model.js';
import { PUBLIC_ROLE, connectSqlDenial, lockReasons, loginAttributes, serverRoleEdges } from './accounts.js';
import type { DatabaseCatalog, LoginRow, ServerPermissionRow, ServerRoleMemberRow } from './catalogRows.js';
import { entryReason, findEntry, grantsOf, heldLabels, type GrantEntry } from './grants.js';
import { roleClosure } from '../roleClosure.js';

export interface SqlserverPermissionCatalog {
  logins: readonly LoginRow[];
  serverRoleMembers: readonly ServerRoleMemberRow[];
  serverPermissions: readonly ServerPermissionRow[];
  /** The online user databases the collector could read. */
  databases: readonly DatabaseCatalog[];
  /** Catalogs that could not be read; every account carries them, as its picture is incomplete. */
  errors: readonly ItemError[];
  collectedAt: string;
  serverVersion: string | null;
}

export interface RoleEntry {
  role: string;
  /** The role chain the membership comes through; null when the principal is a direct member. */
  via: string | null;
}

interface DatabasePicture {
  user: string;
  roles: RoleEntry[];
  grants: GrantEntry[];
}

export function buildSqlserverPermissions(catalog: SqlserverPermissionCatalog): AccountPermissions[] {
  const edges = serverRoleEdges(catalog.serverRoleMembers);
  return catalog.logins.map((login) => {
    const closure = roleClosure(login.name, edges, PUBLIC_ROLE);
    const serverRoles = toRoleEntries(closure);
    const serverGrants = grantsOf(login.name, closure, catalog.serverPermissions);
    const databases = new Map<string, DatabasePicture>();
    for (const db of catalog.databases) {
      const picture = databasePicture(login.name, db);
      if (picture) databases.set(db.database, picture);
    }
    const denial = connectSqlDenial(login.name, edges, catalog.serverPermissions);
    const errors = [...catalog.errors];

    const snapshot: PermissionSnapshot = {
      version: 4,
      db_type: 'sqlserver',
      categories: {
        server_roles: serverRoles,
        server_permissions: serverGrants,
        database_roles: mapValues(databases, (p) => p.roles),
        database_permissions: mapValues(databases, (p) => p.grants),
      },
      type_specific: {
        ...loginAttributes(login, denial !== null),
        database_users: mapValues(databases, (p) => p.user),
      },
      errors,
      meta: { collected_at: catalog.collectedAt, server_version: catalog.serverVersion },
    };
    const facts = makeFacts('sqlserver', {
      capabilities: capabilitiesOf(login, serverRoles, serverGrants, denial),
      roles: [
        ...serverRoles.map((r) => r.role),
        ...[...databases].flatMap(([db, p]) => p.roles.map((r) => `${db}:${r.role}`)),
      ],
      server: heldLabels(serverGrants),
      database: mapValues(databases, (p) => heldLabels(p.grants)),
      errors,
    });
    return { username: login.name, snapshot, facts };
  });
}

function capabilitiesOf(
  login: LoginRow,
  roles: readonly RoleEntry[],
  grants: readonly GrantEntry[],
  denial: string | null,
): Partial<Record<Capability, string[]>> {
  const memberOf = (role: string) => {
    const entry = roles.find((r) => r.role === role);
    return entry ? `member of ${role}${entry.via ? ` via ${entry.via}` : ''}` : null;
  };
  const superuser: string[] = [];
  const sysadmin = memberOf('sysadmin');
  if (sysadmin) superuser.push(sysadmin);
  // IS_SRVROLEMEMBER also sees membership through a Windows group, which sys.server_role_members cannot.
  else if (login.is_sysadmin === 1) superuser.push('member of sysadmin (IS_SRVROLEMEMBER)');

  const grantAdmin: string[] = [];
  const securityadmin = memberOf('securityadmin');
  if (securityadmin) grantAdmin.push(securityadmin);
  const controlServer = findEntry(grants, 'CONTROL SERVER', false);
  if (controlServer && !findEntry(grants, 'CONTROL SERVER', true))
    grantAdmin.push(entryReason(controlServer, 'granted'));
  // sysadmin holds CONTROL SERVER implicitly (it is not in sys.server_permissions) and may grant anything.
  if (superuser.length > 0) grantAdmin.push('member of sysadmin (holds CONTROL SERVER)');

  return { SUPERUSER: superuser, GRANT_ADMIN: grantAdmin, LOCKED: lockReasons(login, denial) };
}

/** The login's user in one database, the database roles it reaches and the permissions it holds there. */
function databasePicture(login: string, db: DatabaseCatalog): DatabasePicture | undefined {
  const user = db.users.find((u) => u.login_name === login)?.user_name;
  if (user === undefined) return undefined;
  const edges = db.roleMembers.map((r) => ({ member: r.member_name, role: r.role_name }));
  const closure = roleClosure(user, edges, PUBLIC_ROLE);
  return { user, roles: toRoleEntries(closure), grants: grantsOf(user, closure, db.permissions) };
}

function toRoleEntries(closure: ReadonlyMap<string, readonly string[]>): RoleEntry[] {
  return [...closure]
    .map(([role, path]) => ({ role, via: path.length > 0 ? path.join(' > ') : null }))
    .sort((a, b) => a.role.localeCompare(b.role));
}

function mapValues<V, R>(map: ReadonlyMap<string, V>, fn: (value: V) => R): Record<string, R> {
  return Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, fn(v)]));
}
