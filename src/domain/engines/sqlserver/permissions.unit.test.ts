import { describe, expect, it } from 'vitest';
import type { ItemError } from '../model.js';
import type { DatabaseCatalog, PermissionState, ServerPermissionRow } from './catalogRows.js';
import { buildSqlserverPermissions, type SqlserverPermissionCatalog } from './permissions.js';
import { login } from '../../../../test/support/sqlserverRows.js';

function serverPerm(
  grantee: string,
  permission: string,
  state: PermissionState,
  cls = 'SERVER',
  securable: string | null = null,
): ServerPermissionRow {
  return {
    grantee_name: grantee,
    class_desc: cls,
    securable_name: securable,
    permission_name: permission,
    state,
  };
}

// Recorded from a SQL Server 2022 instance (names changed): one user database, appdb.
const appdb: DatabaseCatalog = {
  database: 'appdb',
  users: [
    { user_name: 'dbo', login_name: 'app_owner' },
    { user_name: 'app', login_name: 'app_user' },
  ],
  roleMembers: [
    { role_name: 'db_owner', member_name: 'dbo' },
    { role_name: 'db_datareader', member_name: 'app' },
    { role_name: 'app_writers', member_name: 'app' },
    { role_name: 'db_datawriter', member_name: 'app_writers' },
  ],
  permissions: [
    {
      grantee_name: 'app',
      class_desc: 'DATABASE',
      securable_name: null,
      permission_name: 'CONNECT',
      state: 'G',
    },
    {
      grantee_name: 'app',
      class_desc: 'SCHEMA',
      securable_name: 'sales',
      permission_name: 'EXECUTE',
      state: 'W',
    },
    {
      grantee_name: 'app',
      class_desc: 'OBJECT_OR_COLUMN',
      securable_name: 'hr.salaries',
      permission_name: 'SELECT',
      state: 'D',
    },
    {
      grantee_name: 'app_writers',
      class_desc: 'DATABASE',
      securable_name: null,
      permission_name: 'SHOWPLAN',
      state: 'G',
    },
    {
      grantee_name: 'public',
      class_desc: 'OBJECT_OR_COLUMN',
      securable_name: 'sys.sp_help',
      permission_name: 'EXECUTE',
      state: 'G',
    },
  ],
};

const hrdbDenied: ItemError = {
  item: 'database hrdb permissions',
  code: 'PERMISSION_DENIED',
  message: 'the collector cannot access database hrdb (HAS_DBACCESS = 0)',
};

const catalog: SqlserverPermissionCatalog = {
  logins: [
    login('sa', { is_sysadmin: 1 }),
    login('sec_officer'),
    login('ops_lead'),
    login('ctl_direct'),
    login('ctl_denied'),
    login('app_user'),
    login('app_owner'),
    login('CORP\\dba_group_member', { type: 'U', type_desc: 'WINDOWS_LOGIN', is_sysadmin: 1 }),
    login('gone', { is_disabled: true, is_expired: 1 }),
    login('no_connect'),
  ],
  serverRoleMembers: [
    { role_name: 'sysadmin', member_name: 'sa' },
    { role_name: 'securityadmin', member_name: 'sec_officer' },
    { role_name: 'ops_team', member_name: 'ops_lead' },
    { role_name: 'ops_admins', member_name: 'ops_team' },
    { role_name: 'ops_admins', member_name: 'ctl_denied' },
  ],
  serverPermissions: [
    serverPerm('public', 'VIEW ANY DATABASE', 'G'),
    serverPerm('public', 'CONNECT', 'G', 'ENDPOINT', 'TSQL Default TCP'),
    serverPerm('ops_admins', 'CONTROL SERVER', 'G'),
    serverPerm('ctl_direct', 'CONTROL SERVER', 'W'),
    serverPerm('ctl_denied', 'CONTROL SERVER', 'D'),
    serverPerm('app_user', 'CONNECT SQL', 'G'),
    serverPerm('app_user', 'VIEW SERVER STATE', 'G'),
    serverPerm('app_user', 'IMPERSONATE', 'G', 'SERVER_PRINCIPAL', 'etl_runner'),
    serverPerm('no_connect', 'CONNECT SQL', 'D'),
  ],
  databases: [appdb],
  errors: [hrdbDenied],
  collectedAt: '2025-11-21T01:00:00.000Z',
  serverVersion: 'Microsoft SQL Server 2022 (RTM-CU14) - 16.0.4135.4 (X64)',
};

const result = buildSqlserverPermissions(catalog);
const of = (name: string) => {
  const found = result.find((r) => r.username === name);
  if (!found) throw new Error(`no permissions for ${name}`);
  return found;
};

describe('SQL Server permission facts', () => {
  it('sysadmin is SUPERUSER and may grant anything', () => {
    const { facts } = of('sa');
    expect(facts.capabilities).toEqual(['SUPERUSER', 'GRANT_ADMIN']);
    expect(facts.capability_reasons.SUPERUSER).toEqual(['member of sysadmin']);
    expect(facts.capability_reasons.GRANT_ADMIN).toEqual(['member of sysadmin (holds CONTROL SERVER)']);
    expect(facts.roles).toEqual(['sysadmin']);
  });

  it('sees sysadmin through a Windows group with IS_SRVROLEMEMBER', () => {
    expect(of('CORP\\dba_group_member').facts.capability_reasons.SUPERUSER).toEqual([
      'member of sysadmin (IS_SRVROLEMEMBER)',
    ]);
  });

  it('securityadmin is GRANT_ADMIN, not SUPERUSER', () => {
    const { facts } = of('sec_officer');
    expect(facts.capabilities).toEqual(['GRANT_ADMIN']);
    expect(facts.capability_reasons.GRANT_ADMIN).toEqual(['member of securityadmin']);
  });

  it('CONTROL SERVER makes GRANT_ADMIN, directly or through nested roles', () => {
    expect(of('ctl_direct').facts.capability_reasons.GRANT_ADMIN).toEqual(['CONTROL SERVER granted']);
    expect(of('ctl_direct').facts.privileges.server).toEqual(['CONTROL SERVER']);
    const ops = of('ops_lead');
    expect(ops.facts.capability_reasons.GRANT_ADMIN).toEqual([
      'CONTROL SERVER granted via ops_team > ops_admins',
    ]);
    expect(ops.facts.roles).toEqual(['ops_admins', 'ops_team']);
    expect(ops.snapshot.categories.server_roles).toEqual([
      { role: 'ops_admins', via: 'ops_team' },
      { role: 'ops_team', via: null },
    ]);
  });

  it('a DENY beats the GRANT: listed in the snapshot, absent from the facts', () => {
    const { facts, snapshot } = of('ctl_denied');
    expect(facts.capabilities).toEqual([]);
    expect(facts.privileges.server).toEqual([]);
    expect(snapshot.categories.server_permissions).toEqual([
      { permission: 'CONTROL SERVER', state: 'DENY', class: 'SERVER', securable: null, via: null },
      { permission: 'CONTROL SERVER', state: 'GRANT', class: 'SERVER', securable: null, via: 'ops_admins' },
    ]);
  });

  it('lists server permissions with their securables, and never those of public', () => {
    const { facts } = of('app_user');
    expect(facts.capabilities).toEqual([]);
    expect(facts.privileges.server).toEqual([
      'CONNECT SQL',
      'IMPERSONATE ON LOGIN::etl_runner',
      'VIEW SERVER STATE',
    ]);
  });

  it('maps database users, nested database roles and database permissions', () => {
    const { facts, snapshot } = of('app_user');
    expect(facts.roles).toEqual(['appdb:app_writers', 'appdb:db_datareader', 'appdb:db_datawriter']);
    expect(facts.privileges.database).toEqual({ appdb: ['CONNECT', 'EXECUTE ON SCHEMA::sales', 'SHOWPLAN'] });
    expect(snapshot.categories.database_roles).toEqual({
      appdb: [
        { role: 'app_writers', via: null },
        { role: 'db_datareader', via: null },
        { role: 'db_datawriter', via: 'app_writers' },
      ],
    });
    expect(snapshot.categories.database_permissions).toEqual({
      appdb: [
        { permission: 'CONNECT', state: 'GRANT', class: 'DATABASE', securable: null, via: null },
        {
          permission: 'EXECUTE',
          state: 'GRANT_WITH_GRANT_OPTION',
          class: 'SCHEMA',
          securable: 'sales',
          via: null,
        },
        {
          permission: 'SELECT',
          state: 'DENY',
          class: 'OBJECT_OR_COLUMN',
          securable: 'hr.salaries',
          via: null,
        },
        { permission: 'SHOWPLAN', state: 'GRANT', class: 'DATABASE', securable: null, via: 'app_writers' },
      ],
    });
    expect(snapshot.type_specific.database_users).toEqual({ appdb: 'app' });
  });

  it('the database owner maps to dbo and reaches db_owner', () => {
    const { facts, snapshot } = of('app_owner');
    expect(facts.roles).toEqual(['appdb:db_owner']);
    expect(snapshot.type_specific.database_users).toEqual({ appdb: 'dbo' });
  });

  it('a login without a user in any database has no database facts', () => {
    const { facts, snapshot } = of('sec_officer');
    expect(facts.privileges.database).toEqual({});
    expect(snapshot.categories.database_roles).toEqual({});
  });

  it('LOCKED says why: disabled, expired, CONNECT SQL denied', () => {
    expect(of('gone').facts.capability_reasons.LOCKED).toEqual([
      'login is disabled (is_disabled = 1)',
      'password expired (LOGINPROPERTY IsExpired = 1)',
    ]);
    expect(of('no_connect').facts.capability_reasons.LOCKED).toEqual(['CONNECT SQL denied']);
    expect(of('no_connect').snapshot.type_specific.connect_sql_denied).toBe(true);
  });

  it('builds a v4 snapshot carrying the collection errors', () => {
    const { snapshot, facts } = of('app_user');
    expect(snapshot).toMatchObject({
      version: 4,
      db_type: 'sqlserver',
      meta: { collected_at: '2025-11-21T01:00:00.000Z', server_version: catalog.serverVersion },
    });
    expect(snapshot.errors).toEqual([hrdbDenied]);
    expect(facts.errors).toEqual([hrdbDenied]);
    expect(facts.db_type).toBe('sqlserver');
    expect(result).toHaveLength(catalog.logins.length);
  });
});
