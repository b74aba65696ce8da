// Oracle catalog rows -> per user: the v4 permission snapshot and the permission facts. Roles are
// followed through roles granted to roles (PUBLIC never); system privileges count whether granted to the
// user or to a role it reaches; object privileges and quotas are the user's own.
import {
  makeFacts,
  type AccountPermissions,
  type Capability,
  type ItemError,
  type PermissionSnapshot,
} from '../model.js';
import { roleClosure } from '../roleClosure.js';
import { statusReasons, userAttributes } from './accounts.js';
import {
  bytesToMb,
  type RolePrivRow,
  type SysPrivRow,
  type TabPrivRow,
  type TsQuotaRow,
  type UserRow,
} from './catalogRows.js';

export interface OraclePermissionCatalog {
  users: readonly UserRow[];
  rolePrivs: readonly RolePrivRow[];
  sysPrivs: readonly SysPrivRow[];
  /** null: not read (the errors say why). */
  tabPrivs: readonly TabPrivRow[] | null;
  quotas: readonly TsQuotaRow[] | null;
  /** Catalogs that could not be read; every user carries them, as its picture is incomplete. */
  errors: readonly ItemError[];
  collectedAt: string;
  serverVersion: string | null;
}

export interface OracleRoleEntry {
  role: string;
  admin_option: boolean;
  /** Enabled at login; null for roles reached through other roles. */
  default_role: boolean | null;
  /** The role chain the grant comes through; null when granted to the user itself. */
  via: string | null;
}

export interface SystemPrivilegeEntry {
  privilege: string;
  admin_option: boolean;
  via: string | null;
}

const PUBLIC = new Set(['PUBLIC']);

export function buildOraclePermissions(catalog: OraclePermissionCatalog): AccountPermissions[] {
  const edges = catalog.rolePrivs.map((r) => ({ member: r.GRANTEE, role: r.GRANTED_ROLE }));
  return catalog.users.map((user) => {
    const name = user.USERNAME;
    const closure = roleClosure(name, edges, PUBLIC);
    const roles = roleEntries(name, closure, catalog.rolePrivs);
    const privileges = systemPrivileges(name, closure, catalog.sysPrivs);
    const quotas = catalog.quotas?.filter((q) => q.USERNAME === name) ?? [];
    const errors = [...catalog.errors];

    const typeSpecific: Record<string, unknown> = { ...userAttributes(user) };
    if (catalog.tabPrivs) typeSpecific.object_privileges = objectPrivileges(name, catalog.tabPrivs);
    if (catalog.quotas)
      typeSpecific.tablespace_quotas = quotas
        .map((q) => ({
          tablespace: q.TABLESPACE_NAME,
          used_mb: bytesToMb(q.BYTES),
          max_mb: q.MAX_BYTES === -1 ? null : bytesToMb(q.MAX_BYTES),
          unlimited: q.MAX_BYTES === -1,
        }))
        .sort((a, b) => a.tablespace.localeCompare(b.tablespace));

    const snapshot: PermissionSnapshot = {
      version: 4,
      db_type: 'oracle',
      categories: { oracle_roles: roles, system_privileges: privileges },
      type_specific: typeSpecific,
      errors,
      meta: { collected_at: catalog.collectedAt, server_version: catalog.serverVersion },
    };
    const facts = makeFacts('oracle', {
      capabilities: capabilitiesOf(user, roles, privileges),
      roles: roles.map((r) => r.role),
      system: privileges.map((p) => p.privilege),
      tablespace: Object.fromEntries(quotas.map((q) => [q.TABLESPACE_NAME, [quotaLabel(q)]])),
      errors,
    });
    return { username: name, snapshot, facts };
  });
}

function capabilitiesOf(
  user: UserRow,
  roles: readonly OracleRoleEntry[],
  privileges: readonly SystemPrivilegeEntry[],
): Partial<Record<Capability, string[]>> {
  const dba = roles.find((r) => r.role === 'DBA');
  const superuser = dba ? [`granted role DBA${via(dba.via)}`] : [];
  const grantAdmin = [...superuser];
  for (const wanted of ['GRANT ANY PRIVILEGE', 'GRANT ANY ROLE']) {
    const held = privileges.find((p) => p.privilege === wanted);
    if (held) grantAdmin.push(`system privilege ${wanted}${via(held.via)}`);
  }
  return { SUPERUSER: superuser, GRANT_ADMIN: grantAdmin, LOCKED: statusReasons(user.ACCOUNT_STATUS) };
}

function roleEntries(
  user: string,
  closure: ReadonlyMap<string, readonly string[]>,
  rows: readonly RolePrivRow[],
): OracleRoleEntry[] {
  return [...closure]
    .map(([role, path]) => {
      const grantee = path.at(-1) ?? user;
      const row = rows.find((r) => r.GRANTEE === grantee && r.GRANTED_ROLE === role);
      return {
        role,
        admin_option: row?.ADMIN_OPTION === 'YES',
        default_role: path.length === 0 && row?.DEFAULT_ROLE != null ? row.DEFAULT_ROLE === 'YES' : null,
        via: path.length > 0 ? path.join(' > ') : null,
      };
    })
    .sort((a, b) => a.role.localeCompare(b.role));
}

function systemPrivileges(
  user: string,
  closure: ReadonlyMap<string, readonly string[]>,
  rows: readonly SysPrivRow[],
): SystemPrivilegeEntry[] {
  const holders = new Map<string, string | null>([[user, null]]);
  for (const [role, path] of closure) holders.set(role, [...path, role].join(' > '));
  return rows
    .filter((r) => holders.has(r.GRANTEE))
    .map((r) => ({
      privilege: r.PRIVILEGE,
      admin_option: r.ADMIN_OPTION === 'YES',
      via: holders.get(r.GRANTEE) ?? null,
    }))
    .sort(
      (a, b) =>
        a.privilege.localeCompare(b.privilege) ||
        Number(a.via !== null) - Number(b.via !== null) ||
        (a.via ?? '').localeCompare(b.via ?? ''),
    );
}

function objectPrivileges(user: string, rows: readonly TabPrivRow[]) {
  return rows
    .filter((r) => r.GRANTEE === user)
    .map((r) => ({
      owner: r.OWNER,
      object: r.TABLE_NAME,
      type: r.TYPE,
      privilege: r.PRIVILEGE,
      grantable: r.GRANTABLE === 'YES',
    }))
    .sort(
      (a, b) =>
        a.owner.localeCompare(b.owner) ||
        a.object.localeCompare(b.object) ||
        a.privilege.localeCompare(b.privilege),
    );
}

/** "QUOTA UNLIMITED" or "QUOTA 100 MB", as ALTER USER ... QUOTA spells it. */
function quotaLabel(q: TsQuotaRow): string {
  return q.MAX_BYTES === -1 ? 'QUOTA UNLIMITED' : `QUOTA ${bytesToMb(q.MAX_BYTES)} MB`;
}

function via(chain: string | null): string {
  return chain ? ` via ${chain}` : '';
}
