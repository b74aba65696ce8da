// From one MySQL/MariaDB account (its catalog row and its folded SHOW GRANTS) to the v4 snapshot and
// the permission facts. Pure.
//
// Choices, so that facts compare across servers and stay checkable against SHOW GRANTS:
// - `ALL PRIVILEGES` is kept as the single privilege `ALL PRIVILEGES`, not expanded: the set it stands
//   for differs between versions (MariaDB 10.11 vs MySQL 8 dynamic privileges), and an auditor reads
//   the grant as written. SUPERUSER still holds for it ("ALL PRIVILEGES ON *.* includes SUPER").
// - `USAGE` means "no privilege" and is dropped; `WITH GRANT OPTION` is listed as `GRANT OPTION`
//   next to the privileges of its level (global or database).
// - privileges.database is keyed by the database pattern as granted (`app\_db`, `app%`, `app_db`);
//   the snapshot says which keys are wildcard patterns. Table, column and routine grants, roles with
//   ADMIN OPTION, default roles, proxy grants and partial revokes are in type_specific.
// - Capabilities come from the grants; a catalog flag (Super_priv, Grant_priv) adds a reason only when
//   the grants do not already establish the capability.
// - An account whose SHOW GRANTS could not be read has no facts at all (the adapter reports it as an
//   error naming the account): facts built from the catalog row alone would read as privileges revoked.
import { makeFacts, type AccountPermissions, type Capability, type PermissionSnapshot } from '../model.js';
import type { FoldedGrants } from './grantFold.js';

/** What the account catalog says about one account (null: unknown, the catalog did not say). */
export interface MysqlAccountRow {
  user: string;
  host: string;
  /** The catalog the row was read from. */
  source: 'mysql.global_priv' | 'mysql.user';
  superPriv: boolean | null;
  grantPriv: boolean | null;
  accountLocked: boolean | null;
  passwordExpired: boolean | null;
  plugin: string | null;
  /** MariaDB `IDENTIFIED VIA a OR b`: every plugin that can authenticate the account. */
  authPlugins: string[];
  /** ISO 8601, or null. */
  passwordLastChanged: string | null;
}

export const SYSTEM_ACCOUNTS: ReadonlySet<string> = new Set([
  'mariadb.sys',
  'mysql.sys',
  'mysql.session',
  'mysql.infoschema',
]);

/** `user@host`, the account name used in AccountInfo and AccountPermissions. */
export const mysqlAccountName = (user: string, host: string): string => `${user}@${host}`;

export const REASONS = {
  superGrant: 'global SUPER privilege',
  superAll: 'ALL PRIVILEGES ON *.* includes SUPER',
  superRow: 'Super_priv = Y',
  grantOption: 'WITH GRANT OPTION on *.*',
  grantRow: 'Grant_priv = Y',
  locked: 'account_locked = Y',
  expired: 'password_expired = Y',
} as const;

export function mysqlCapabilities(
  account: MysqlAccountRow,
  grants: FoldedGrants,
): Partial<Record<Capability, string[]>> {
  const global = new Set(grants.global.privileges);
  const superuser: string[] = [];
  if (global.has('SUPER')) superuser.push(REASONS.superGrant);
  if (global.has('ALL PRIVILEGES')) superuser.push(REASONS.superAll);
  if (superuser.length === 0 && account.superPriv === true) superuser.push(REASONS.superRow);

  const grantAdmin: string[] = [];
  if (grants.global.grantOption) grantAdmin.push(REASONS.grantOption);
  if (grantAdmin.length === 0 && account.grantPriv === true) grantAdmin.push(REASONS.grantRow);

  const locked: string[] = [];
  if (account.accountLocked === true) locked.push(REASONS.locked);
  if (account.passwordExpired === true) locked.push(REASONS.expired);
  return { SUPERUSER: superuser, GRANT_ADMIN: grantAdmin, LOCKED: locked };
}

const withGrantOption = (privileges: string[], grantOption: boolean): string[] =>
  grantOption ? [...privileges, 'GRANT OPTION'] : privileges;

export function buildMysqlPermissions(input: {
  account: MysqlAccountRow;
  grants: FoldedGrants;
  collectedAt: string;
  serverVersion: string | null;
}): AccountPermissions {
  const { account, grants } = input;
  const databases = Object.entries(grants.databases);
  const snapshot: PermissionSnapshot = {
    version: 4,
    db_type: 'mysql',
    categories: {
      global_privileges: {
        privileges: grants.global.privileges,
        grant_option: grants.global.grantOption,
        usage_only: grants.usageOnly,
      },
      database_privileges: databases.map(([pattern, g]) => ({
        database: pattern,
        wildcard: g.wildcard,
        privileges: g.privileges,
        grant_option: g.grantOption,
      })),
    },
    type_specific: {
      account: {
        user: account.user,
        host: account.host,
        source: account.source,
        plugin: account.plugin,
        auth_plugins: account.authPlugins,
        super_priv: account.superPriv,
        grant_priv: account.grantPriv,
        account_locked: account.accountLocked,
        password_expired: account.passwordExpired,
        password_last_changed: account.passwordLastChanged,
      },
      table_privileges: grants.tables,
      column_privileges: grants.columns,
      routine_privileges: grants.routines,
      roles: { granted: grants.roles, admin_option: grants.adminRoles, default: grants.defaultRoles },
      proxy: grants.proxy,
      partial_revokes: grants.partialRevokes,
      unparsed_grants: grants.unparsed,
    },
    errors: [],
    meta: { collected_at: input.collectedAt, server_version: input.serverVersion },
  };
  const facts = makeFacts('mysql', {
    capabilities: mysqlCapabilities(account, grants),
    roles: grants.roles,
    global: withGrantOption(grants.global.privileges, grants.global.grantOption),
    database: Object.fromEntries(
      databases.map(([k, g]) => [k, withGrantOption(g.privileges, g.grantOption)]),
    ),
  });
  return { username: mysqlAccountName(account.user, account.host), snapshot, facts };
}
