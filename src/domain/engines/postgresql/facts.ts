// PostgreSQL catalog rows -> accounts, the v4 permission snapshot and permission facts. Pure: the
// adapter reads pg_roles, pg_auth_members and the database ACLs; this file interprets them the way
// the server's own ACL check does (superuser, else ACL entries for PUBLIC, the role, or a role whose
// privileges it inherits).
import {
  makeFacts,
  sortInPlace,
  type AccountInfo,
  type AccountPermissions,
  type Capability,
  type ItemError,
} from '../model.js';
import { membershipsOf, type PgMembershipRow } from './memberships.js';

/** One row of pg_roles. rolvaliduntil: ISO 8601 in UTC, 'infinity', '-infinity' or null (no expiry). */
export interface PgRoleRow {
  rolname: string;
  /** oid = 10: the bootstrap superuser created by initdb. */
  isBootstrap: boolean;
  rolsuper: boolean;
  rolinherit: boolean;
  rolcreaterole: boolean;
  rolcreatedb: boolean;
  rolcanlogin: boolean;
  rolreplication: boolean;
  rolbypassrls: boolean;
  rolconnlimit: number;
  rolvaliduntil: string | null;
}

/** One entry of aclexplode(coalesce(datacl, acldefault('d', datdba))). grantee null: PUBLIC. */
export interface PgDatabaseAclRow {
  datname: string;
  privilege_type: string;
  grantee: string | null;
  is_grantable: boolean;
  grantor: string | null;
}

/** A database privilege the role holds, and where it comes from. */
export interface PgDatabaseGrant {
  privilege: string;
  /** 'rolsuper', 'PUBLIC', the role itself, or the role whose privileges it inherits. */
  via: string;
  grantable: boolean;
  grantor: string | null;
}

const databasePrivilegeTypes = ['CONNECT', 'CREATE', 'TEMPORARY'] as const;

export const isPredefinedRole = (name: string): boolean => name.startsWith('pg_');

const attributeNames = [
  ['rolsuper', 'SUPERUSER'],
  ['rolcreaterole', 'CREATEROLE'],
  ['rolcreatedb', 'CREATEDB'],
  ['rolreplication', 'REPLICATION'],
  ['rolbypassrls', 'BYPASSRLS'],
  ['rolcanlogin', 'LOGIN'],
] as const;

const showInstant = (iso: string): string => {
  const [date, time] = iso.replace(/\.\d+/, '').split('T');
  return time === undefined || time === '00:00:00Z' ? (date ?? iso) : `${date} ${time.replace('Z', '')} UTC`;
};

/** Why the role cannot log in: rolcanlogin = false, or VALID UNTIL in the past. */
export function lockReasons(role: PgRoleRow, now: Date): string[] {
  const reasons: string[] = [];
  if (!role.rolcanlogin) reasons.push('rolcanlogin = false');
  const until = role.rolvaliduntil;
  if (until === '-infinity') reasons.push('rolvaliduntil -infinity has passed');
  else if (until !== null && until !== 'infinity' && Date.parse(until) <= now.getTime())
    reasons.push(`rolvaliduntil ${showInstant(until)} has passed`);
  return reasons;
}

export function accountInfo(role: PgRoleRow, now: Date): AccountInfo {
  const { rolname, isBootstrap, ...attributes } = role;
  return {
    username: rolname,
    isSystem: isBootstrap || isPredefinedRole(rolname),
    locked: lockReasons(role, now).length > 0,
    attributes: { ...attributes, is_bootstrap_superuser: isBootstrap },
  };
}

export interface PostgresPermissionInput {
  role: PgRoleRow;
  /** All grants of the cluster (the closure is computed here), or those reachable from the role. */
  memberships: readonly PgMembershipRow[];
  /** Databases the privileges are reported for (a superuser holds all privileges on each). */
  databases: readonly string[];
  /** The ACL entries of those databases. */
  databaseAcl: readonly PgDatabaseAclRow[];
  serverVersion: string | null;
  collectedAt: Date;
  /** Catalogs that could not be read: the snapshot and facts are partial. */
  errors?: ItemError[];
}

const byPrivilegeAndVia = (a: PgDatabaseGrant, b: PgDatabaseGrant) =>
  a.privilege.localeCompare(b.privilege) || a.via.localeCompare(b.via);

/** Per database, what the role holds: everything if superuser, else the ACL entries that reach it. */
export function databaseGrants(
  role: PgRoleRow,
  databases: readonly string[],
  acl: readonly PgDatabaseAclRow[],
  inheritedRoles: ReadonlySet<string>,
): Record<string, PgDatabaseGrant[]> {
  const out: Record<string, PgDatabaseGrant[]> = {};
  const wanted = new Set(databases);
  if (role.rolsuper) {
    for (const datname of sortInPlace([...wanted]))
      out[datname] = databasePrivilegeTypes.map((privilege) => ({
        privilege,
        via: 'rolsuper',
        grantable: true,
        grantor: null,
      }));
    return out;
  }
  for (const row of acl) {
    if (!wanted.has(row.datname)) continue;
    const reaches = row.grantee === null || row.grantee === role.rolname || inheritedRoles.has(row.grantee);
    if (!reaches) continue;
    (out[row.datname] ??= []).push({
      privilege: row.privilege_type,
      via: row.grantee ?? 'PUBLIC',
      grantable: row.is_grantable,
      grantor: row.grantor,
    });
  }
  for (const grants of Object.values(out)) sortInPlace(grants, byPrivilegeAndVia);
  return Object.fromEntries(sortInPlace(Object.keys(out)).map((d) => [d, out[d]!]));
}

export function postgresPermissions(input: PostgresPermissionInput): AccountPermissions {
  const { role, collectedAt } = input;
  const errors = input.errors ?? [];
  const memberships = membershipsOf(role.rolname, input.memberships);
  const inherited = new Set(memberships.filter((m) => m.inherits_privileges).map((m) => m.role));
  const grants = databaseGrants(role, input.databases, input.databaseAcl, inherited);

  const capabilityReasons: Partial<Record<Capability, string[]>> = {};
  if (role.rolsuper) capabilityReasons.SUPERUSER = ['rolsuper = true'];
  // A superuser may grant any privilege and any role, as MySQL's ALL + GRANT OPTION and SQL Server's
  // sysadmin may: GRANT_ADMIN means the same on every engine.
  const grantAdmin = [
    ...(role.rolsuper ? ['superuser (rolsuper = true)'] : []),
    ...(role.rolcreaterole ? ['rolcreaterole = true'] : []),
  ];
  if (grantAdmin.length > 0) capabilityReasons.GRANT_ADMIN = grantAdmin;
  const locked = lockReasons(role, collectedAt);
  if (locked.length > 0) capabilityReasons.LOCKED = locked;

  const { rolname: _name, isBootstrap, ...attributes } = role;
  return {
    username: role.rolname,
    snapshot: {
      version: 4,
      db_type: 'postgresql',
      categories: {
        role_attributes: attributes,
        predefined_roles: memberships.filter((m) => isPredefinedRole(m.role)),
        database_privileges: grants,
      },
      type_specific: { memberships, is_bootstrap_superuser: isBootstrap },
      errors,
      meta: { collected_at: collectedAt.toISOString(), server_version: input.serverVersion },
    },
    facts: makeFacts('postgresql', {
      capabilities: capabilityReasons,
      roles: memberships.map((m) => m.role),
      global: attributeNames.filter(([column]) => role[column]).map(([, name]) => name),
      database: Object.fromEntries(
        Object.entries(grants).map(([db, list]) => [db, list.map((g) => g.privilege)]),
      ),
      errors,
    }),
  };
}
