import { describe, expect, it } from 'vitest';
import { collectorRightsErrors, isSystemLogin, lockReasons, mapLogins } from './accounts.js';
import type { LoginRow, ServerPermissionRow, ServerRoleMemberRow } from './catalogRows.js';
import { login } from '../../../../test/support/sqlserverRows.js';

// Recorded from a SQL Server 2022 instance (names changed).
const logins: LoginRow[] = [
  login('sa', { is_sysadmin: 1 }),
  login('##MS_PolicyTsqlExecutionLogin##', { is_disabled: true }),
  {
    name: 'NT SERVICE\\SQLWriter',
    type: 'U',
    type_desc: 'WINDOWS_LOGIN',
    is_disabled: false,
    default_database_name: 'master',
    is_expiration_checked: null,
    is_policy_checked: null,
    is_locked: null,
    is_expired: null,
    is_must_change: null,
    is_sysadmin: 1,
  },
  login('app_user'),
  login('locked_user', { is_locked: 1, is_expiration_checked: true }),
  login('expired_user', { is_expired: 1, is_expiration_checked: true }),
  login('disabled_user', { is_disabled: true }),
  login('new_hire', { is_must_change: 1, is_expiration_checked: true }),
  login('no_connect'),
  login('contractor'),
];

const roleMembers: ServerRoleMemberRow[] = [
  { role_name: 'sysadmin', member_name: 'sa' },
  { role_name: 'sysadmin', member_name: 'NT SERVICE\\SQLWriter' },
  { role_name: 'quarantine', member_name: 'contractor' },
];

const permissions: ServerPermissionRow[] = [
  {
    grantee_name: 'public',
    class_desc: 'SERVER',
    securable_name: null,
    permission_name: 'VIEW ANY DATABASE',
    state: 'G',
  },
  {
    grantee_name: 'app_user',
    class_desc: 'SERVER',
    securable_name: null,
    permission_name: 'CONNECT SQL',
    state: 'G',
  },
  {
    grantee_name: 'no_connect',
    class_desc: 'SERVER',
    securable_name: null,
    permission_name: 'CONNECT SQL',
    state: 'D',
  },
  {
    grantee_name: 'quarantine',
    class_desc: 'SERVER',
    securable_name: null,
    permission_name: 'CONNECT SQL',
    state: 'D',
  },
];

describe('SQL Server logins', () => {
  it('flags certificate and service logins as system, but not sa', () => {
    expect(isSystemLogin('##MS_PolicyEventProcessingLogin##')).toBe(true);
    expect(isSystemLogin('NT SERVICE\\MSSQLSERVER')).toBe(true);
    expect(isSystemLogin('NT AUTHORITY\\SYSTEM')).toBe(true);
    expect(isSystemLogin('nt authority\\system')).toBe(true);
    expect(isSystemLogin('sa')).toBe(false);
    expect(isSystemLogin('CORP\\alice')).toBe(false);
  });

  it('maps every login with its lock state', () => {
    const accounts = mapLogins(logins, roleMembers, permissions);
    const byName = Object.fromEntries(accounts.map((a) => [a.username, a]));
    expect(accounts).toHaveLength(logins.length);
    expect(byName.sa).toMatchObject({ isSystem: false, locked: false });
    expect(byName['##MS_PolicyTsqlExecutionLogin##']).toMatchObject({ isSystem: true, locked: true });
    expect(byName['NT SERVICE\\SQLWriter']).toMatchObject({ isSystem: true, locked: false });
    expect(byName.app_user?.locked).toBe(false);
    expect(byName.locked_user?.locked).toBe(true);
    expect(byName.expired_user?.locked).toBe(true);
    expect(byName.disabled_user?.locked).toBe(true);
    expect(byName.new_hire?.locked).toBe(false); // must change the password, but may log in to do it
    expect(byName.no_connect?.locked).toBe(true);
    expect(byName.contractor?.locked).toBe(true); // CONNECT SQL denied to a role it is in
  });

  it('keeps the engine attributes, with LOGINPROPERTY flags as booleans and Windows nulls kept', () => {
    const [, , windows] = mapLogins(logins, roleMembers, permissions);
    const newHire = mapLogins([login('new_hire', { is_must_change: 1 })], [], [])[0];
    expect(newHire?.attributes).toEqual({
      type: 'S',
      type_desc: 'SQL_LOGIN',
      is_disabled: false,
      is_locked: false,
      is_expired: false,
      is_must_change: true,
      is_policy_checked: true,
      is_expiration_checked: false,
      default_database: 'master',
      connect_sql_denied: false,
    });
    expect(windows?.attributes).toMatchObject({
      type: 'U',
      is_locked: null,
      is_expired: null,
      is_must_change: null,
      is_policy_checked: null,
    });
  });

  it('says why a login is locked, one reason per cause', () => {
    const all = login('x', { is_disabled: true, is_locked: 1, is_expired: 1, is_must_change: 1 });
    expect(lockReasons(all, 'CONNECT SQL denied')).toEqual([
      'login is disabled (is_disabled = 1)',
      'login is locked out (LOGINPROPERTY IsLocked = 1)',
      'password expired (LOGINPROPERTY IsExpired = 1)',
      'CONNECT SQL denied',
    ]);
    expect(lockReasons(login('ok', { is_must_change: 1 }), null)).toEqual([]);
  });

  it('reports a collector that cannot see other logins', () => {
    expect(collectorRightsErrors({ view_any_definition: 1 })).toEqual([]);
    expect(collectorRightsErrors(undefined)).toEqual([]);
    const [error] = collectorRightsErrors({ view_any_definition: 0 });
    expect(error).toMatchObject({ item: 'sys.server_principals', code: 'PERMISSION_DENIED' });
    expect(error?.message).toContain('VIEW ANY DEFINITION');
  });
});
