// The seeded system rules against facts the engines' own builders make (MySQL/MariaDB SHOW GRANTS, the
// recorded PostgreSQL roles, SQL Server logins and server roles, Oracle users, roles and privileges): each lands where the seed's comment says.
import { describe, expect, it } from 'vitest';
import { evaluate, validate } from '../../domain/classification/dsl.js';
import type { PermissionFacts } from '../../domain/engines/model.js';
import { buildMysqlPermissions, type MysqlAccountRow } from '../../domain/engines/mysql/facts.js';
import { parseGrants } from '../../domain/engines/mysql/grants.js';
import { buildOraclePermissions } from '../../domain/engines/oracle/permissions.js';
import { postgresPermissions } from '../../domain/engines/postgresql/facts.js';
import { buildSqlserverPermissions } from '../../domain/engines/sqlserver/permissions.js';
import { user } from '../../../test/support/oracleRows.js';
import { acl, databases, now, pg17, roles } from '../../../test/support/postgresRoles.js';
import { login } from '../../../test/support/sqlserverRows.js';
import { SYSTEM_CLASSIFICATIONS } from './seed.js';

const landsIn = (facts: PermissionFacts) =>
  SYSTEM_CLASSIFICATIONS.filter((c) => {
    const { matched, errors } = evaluate(c.expression, facts);
    expect(errors).toEqual([]);
    return matched;
  }).map((c) => c.name);

const mysql = (lines: string[], over: Partial<MysqlAccountRow> = {}) =>
  buildMysqlPermissions({
    account: {
      user: 'u',
      host: '%',
      source: 'mysql.global_priv',
      superPriv: false,
      grantPriv: false,
      accountLocked: false,
      passwordExpired: false,
      plugin: 'mysql_native_password',
      authPlugins: ['mysql_native_password'],
      passwordLastChanged: null,
      ...over,
    },
    grants: parseGrants(lines),
    collectedAt: '2026-12-02T00:00:00.000Z',
    serverVersion: '10.11.9-MariaDB',
  }).facts;

const postgres = (name: string) =>
  postgresPermissions({
    role: roles.find((r) => r.rolname === name)!,
    memberships: pg17,
    databases,
    databaseAcl: acl,
    serverVersion: '17.10',
    collectedAt: now,
  }).facts;

describe('the seeded system rules', () => {
  it('are valid DSL v4 rules, with distinct names', () => {
    for (const c of SYSTEM_CLASSIFICATIONS) expect(validate(c.expression).ok).toBe(true);
    expect(new Set(SYSTEM_CLASSIFICATIONS.map((c) => c.name.toLowerCase())).size).toBe(3);
  });

  it('MySQL/MariaDB: ALL + GRANT OPTION is super user and grant admin; SELECT alone is nothing; locked is locked', () => {
    expect(landsIn(mysql(['GRANT ALL PRIVILEGES ON *.* TO `u`@`%` WITH GRANT OPTION']))).toEqual([
      'super user',
      'grant admin',
    ]);
    expect(landsIn(mysql(['GRANT SUPER ON *.* TO `u`@`%`']))).toEqual(['super user']);
    expect(landsIn(mysql(['GRANT SELECT ON *.* TO `u`@`%` WITH GRANT OPTION']))).toEqual(['grant admin']);
    expect(landsIn(mysql(['GRANT USAGE ON *.* TO `u`@`%`', 'GRANT SELECT ON `app`.* TO `u`@`%`']))).toEqual(
      [],
    );
    expect(landsIn(mysql(['GRANT SELECT ON *.* TO `u`@`%`'], { accountLocked: true }))).toEqual([
      'locked accounts',
    ]);
    expect(landsIn(mysql(['GRANT SELECT ON *.* TO `u`@`%`'], { passwordExpired: true }))).toEqual([
      'locked accounts',
    ]);
  });

  it('PostgreSQL: SUPERUSER is super user and grant admin, CREATEROLE grant admin, NOLOGIN and expired locked', () => {
    expect(landsIn(postgres('rec_dba'))).toEqual(['super user', 'grant admin']);
    expect(landsIn(postgres('rec_ops'))).toEqual(['grant admin']);
    expect(landsIn(postgres('rec_readers'))).toEqual(['locked accounts']);
    expect(landsIn(postgres('rec_auditor'))).toEqual(['locked accounts']);
    expect(landsIn(postgres('rec_owner'))).toEqual([]);
    expect(landsIn(postgres('rec_analyst'))).toEqual([]);
  });

  it('SQL Server: sysadmin is super user and grant admin, securityadmin grant admin, disabled locked', () => {
    const result = buildSqlserverPermissions({
      logins: [login('sa'), login('sec'), login('off', { is_disabled: true }), login('app')],
      serverRoleMembers: [
        { role_name: 'sysadmin', member_name: 'sa' },
        { role_name: 'securityadmin', member_name: 'sec' },
      ],
      serverPermissions: [],
      databases: [],
      errors: [],
      collectedAt: '2026-12-02T00:00:00.000Z',
      serverVersion: '16.0',
    });
    const of = (name: string) => landsIn(result.find((r) => r.username === name)!.facts);
    expect(of('sa')).toEqual(['super user', 'grant admin']);
    expect(of('sec')).toEqual(['grant admin']);
    expect(of('off')).toEqual(['locked accounts']);
    expect(of('app')).toEqual([]);
  });

  it('Oracle: DBA is super user and grant admin, GRANT ANY ROLE grant admin, LOCKED locked', () => {
    const result = buildOraclePermissions({
      users: [user('ADM'), user('SEC'), user('OLD', 'EXPIRED & LOCKED'), user('APP')],
      rolePrivs: [{ GRANTEE: 'ADM', GRANTED_ROLE: 'DBA', ADMIN_OPTION: 'NO', DEFAULT_ROLE: 'YES' }],
      sysPrivs: [
        { GRANTEE: 'SEC', PRIVILEGE: 'GRANT ANY ROLE', ADMIN_OPTION: 'NO' },
        { GRANTEE: 'APP', PRIVILEGE: 'CREATE SESSION', ADMIN_OPTION: 'NO' },
      ],
      tabPrivs: [],
      quotas: [],
      errors: [],
      collectedAt: '2026-12-02T00:00:00.000Z',
      serverVersion: '19.0',
    });
    const of = (name: string) => landsIn(result.find((r) => r.username === name)!.facts);
    expect(of('ADM')).toEqual(['super user', 'grant admin']);
    expect(of('SEC')).toEqual(['grant admin']);
    expect(of('OLD')).toEqual(['locked accounts']);
    expect(of('APP')).toEqual([]);
  });
});
