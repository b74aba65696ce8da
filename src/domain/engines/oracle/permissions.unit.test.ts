import { describe, expect, it } from 'vitest';
import type { ItemError } from '../model.js';
import type { RolePrivRow, SysPrivRow } from './catalogRows.js';
import { buildOraclePermissions, type OraclePermissionCatalog } from './permissions.js';
import { user } from '../../../../test/support/oracleRows.js';

const role = (grantee: string, granted: string, admin = 'NO', def: string | null = 'YES'): RolePrivRow => ({
  GRANTEE: grantee,
  GRANTED_ROLE: granted,
  ADMIN_OPTION: admin,
  DEFAULT_ROLE: def,
});
const sys = (grantee: string, privilege: string, admin = 'NO'): SysPrivRow => ({
  GRANTEE: grantee,
  PRIVILEGE: privilege,
  ADMIN_OPTION: admin,
});

const quotasDenied: ItemError = {
  item: 'dba_ts_quotas',
  code: 'PERMISSION_DENIED',
  message: 'ORA-00942: table or view does not exist',
};

// Recorded from an Oracle 19c PDB (names changed; DBA's 200-odd privileges cut to those that matter).
const catalog: OraclePermissionCatalog = {
  users: [
    user('SYS', 'OPEN', 'Y'),
    user('ALICE_DBA'),
    user('BOB'),
    user('GRANTER'),
    user('ROLE_GRANTER'),
    user('APP_USER'),
    user('LOCKED_USER', 'EXPIRED & LOCKED'),
  ],
  rolePrivs: [
    role('SYS', 'DBA', 'YES'),
    role('ALICE_DBA', 'DBA'),
    role('DBA', 'SELECT_CATALOG_ROLE', 'YES', null),
    role('BOB', 'APP_ADMIN', 'NO', 'NO'),
    role('APP_ADMIN', 'DBA', 'NO', null),
    role('ROLE_GRANTER', 'SEC_ROLE', 'YES'),
    role('APP_USER', 'CONNECT'),
    role('APP_USER', 'RESOURCE'),
    role('PUBLIC', 'SOME_PUBLIC_ROLE'),
    role('APP_USER', 'PUBLIC'),
  ],
  sysPrivs: [
    sys('DBA', 'GRANT ANY PRIVILEGE', 'YES'),
    sys('DBA', 'GRANT ANY ROLE', 'YES'),
    sys('DBA', 'CREATE USER', 'YES'),
    sys('GRANTER', 'GRANT ANY PRIVILEGE'),
    sys('SEC_ROLE', 'GRANT ANY ROLE'),
    sys('CONNECT', 'CREATE SESSION'),
    sys('RESOURCE', 'CREATE TABLE'),
    sys('RESOURCE', 'CREATE SEQUENCE'),
    sys('APP_USER', 'CREATE SESSION'),
    sys('APP_USER', 'UNLIMITED TABLESPACE'),
    sys('PUBLIC', 'CREATE ANY TABLE'),
  ],
  tabPrivs: [
    {
      GRANTEE: 'APP_USER',
      OWNER: 'APP_OWNER',
      TABLE_NAME: 'ORDERS',
      PRIVILEGE: 'SELECT',
      GRANTABLE: 'NO',
      TYPE: 'TABLE',
    },
    {
      GRANTEE: 'APP_USER',
      OWNER: 'APP_OWNER',
      TABLE_NAME: 'ORDERS',
      PRIVILEGE: 'INSERT',
      GRANTABLE: 'YES',
      TYPE: 'TABLE',
    },
    {
      GRANTEE: 'BOB',
      OWNER: 'SYS',
      TABLE_NAME: 'DBMS_LOCK',
      PRIVILEGE: 'EXECUTE',
      GRANTABLE: 'NO',
      TYPE: 'PACKAGE',
    },
  ],
  quotas: [
    { USERNAME: 'APP_USER', TABLESPACE_NAME: 'USERS', BYTES: 5242880, MAX_BYTES: 104857600 },
    { USERNAME: 'APP_USER', TABLESPACE_NAME: 'APP_DATA', BYTES: 0, MAX_BYTES: -1 },
  ],
  errors: [],
  collectedAt: '2025-11-21T01:00:00.000Z',
  serverVersion: 'Oracle Database 19.24.0.0.0',
};

const result = buildOraclePermissions(catalog);
const of = (name: string) => {
  const found = result.find((r) => r.username === name);
  if (!found) throw new Error(`no permissions for ${name}`);
  return found;
};

describe('Oracle permission facts', () => {
  it('the DBA role is SUPERUSER and GRANT_ADMIN', () => {
    const { facts } = of('ALICE_DBA');
    expect(facts.capabilities).toEqual(['SUPERUSER', 'GRANT_ADMIN']);
    expect(facts.capability_reasons.SUPERUSER).toEqual(['granted role DBA']);
    expect(facts.capability_reasons.GRANT_ADMIN).toEqual([
      'granted role DBA',
      'system privilege GRANT ANY PRIVILEGE via DBA',
      'system privilege GRANT ANY ROLE via DBA',
    ]);
    expect(facts.roles).toEqual(['DBA', 'SELECT_CATALOG_ROLE']);
    expect(facts.privileges.system).toEqual(['CREATE USER', 'GRANT ANY PRIVILEGE', 'GRANT ANY ROLE']);
  });

  it('sees DBA through a role granted to a role', () => {
    const { facts, snapshot } = of('BOB');
    expect(facts.capability_reasons.SUPERUSER).toEqual(['granted role DBA via APP_ADMIN']);
    expect(snapshot.categories.oracle_roles).toEqual([
      { role: 'APP_ADMIN', admin_option: false, default_role: false, via: null },
      { role: 'DBA', admin_option: false, default_role: null, via: 'APP_ADMIN' },
      { role: 'SELECT_CATALOG_ROLE', admin_option: true, default_role: null, via: 'APP_ADMIN > DBA' },
    ]);
  });

  it('GRANT ANY PRIVILEGE / GRANT ANY ROLE make GRANT_ADMIN without SUPERUSER', () => {
    expect(of('GRANTER').facts.capabilities).toEqual(['GRANT_ADMIN']);
    expect(of('GRANTER').facts.capability_reasons.GRANT_ADMIN).toEqual([
      'system privilege GRANT ANY PRIVILEGE',
    ]);
    expect(of('ROLE_GRANTER').facts.capability_reasons.GRANT_ADMIN).toEqual([
      'system privilege GRANT ANY ROLE via SEC_ROLE',
    ]);
  });

  it('collects system privileges from the user and its roles, never PUBLIC', () => {
    const { facts, snapshot } = of('APP_USER');
    expect(facts.capabilities).toEqual([]);
    expect(facts.roles).toEqual(['CONNECT', 'RESOURCE']);
    expect(facts.privileges.system).toEqual([
      'CREATE SEQUENCE',
      'CREATE SESSION',
      'CREATE TABLE',
      'UNLIMITED TABLESPACE',
    ]);
    expect(snapshot.categories.system_privileges).toEqual([
      { privilege: 'CREATE SEQUENCE', admin_option: false, via: 'RESOURCE' },
      { privilege: 'CREATE SESSION', admin_option: false, via: null },
      { privilege: 'CREATE SESSION', admin_option: false, via: 'CONNECT' },
      { privilege: 'CREATE TABLE', admin_option: false, via: 'RESOURCE' },
      { privilege: 'UNLIMITED TABLESPACE', admin_option: false, via: null },
    ]);
  });

  it('keeps object privileges and quotas; quotas become tablespace facts', () => {
    const { facts, snapshot } = of('APP_USER');
    expect(snapshot.type_specific.object_privileges).toEqual([
      { owner: 'APP_OWNER', object: 'ORDERS', type: 'TABLE', privilege: 'INSERT', grantable: true },
      { owner: 'APP_OWNER', object: 'ORDERS', type: 'TABLE', privilege: 'SELECT', grantable: false },
    ]);
    expect(snapshot.type_specific.tablespace_quotas).toEqual([
      { tablespace: 'APP_DATA', used_mb: 0, max_mb: null, unlimited: true },
      { tablespace: 'USERS', used_mb: 5, max_mb: 100, unlimited: false },
    ]);
    expect(facts.privileges.tablespace).toEqual({ APP_DATA: ['QUOTA UNLIMITED'], USERS: ['QUOTA 100 MB'] });
  });

  it('LOCKED gives the account status', () => {
    expect(of('LOCKED_USER').facts.capability_reasons.LOCKED).toEqual(['account_status = EXPIRED & LOCKED']);
    expect(of('SYS').facts.capabilities).toEqual(['SUPERUSER', 'GRANT_ADMIN']);
  });

  it('builds a v4 snapshot with meta and the user attributes', () => {
    const { snapshot } = of('APP_USER');
    expect(snapshot).toMatchObject({
      version: 4,
      db_type: 'oracle',
      errors: [],
      meta: { collected_at: '2025-11-21T01:00:00.000Z', server_version: 'Oracle Database 19.24.0.0.0' },
      type_specific: { account_status: 'OPEN', default_tablespace: 'USERS', oracle_maintained: 'N' },
    });
    expect(result).toHaveLength(catalog.users.length);
  });

  it('without dba_tab_privs / dba_ts_quotas: no object privileges or quotas, and the errors ride along', () => {
    const partial = buildOraclePermissions({
      ...catalog,
      tabPrivs: null,
      quotas: null,
      errors: [quotasDenied],
    });
    const app = partial.find((p) => p.username === 'APP_USER');
    expect(app?.snapshot.type_specific).not.toHaveProperty('object_privileges');
    expect(app?.snapshot.type_specific).not.toHaveProperty('tablespace_quotas');
    expect(app?.facts.privileges.tablespace).toEqual({});
    expect(app?.facts.errors).toEqual([quotasDenied]);
    expect(app?.snapshot.errors).toEqual([quotasDenied]);
  });
});
