// The editor's catalog offers what the engine adapters write into the facts: facts built by the engines'
// own pure builders from recorded catalog rows (SHOW GRANTS of MariaDB 10.11 and MySQL 8.0, the recorded
// PostgreSQL 15/17 roles of test/support/postgresRoles.ts, SQL Server 2022 and Oracle 19c rows) name only
// privileges and built-in roles the catalog lists, each in the scope the DSL finds it in.
import { describe, expect, it } from 'vitest';
import { dbTypes, type DbType, type PermissionFacts } from '../engines/model.js';
import { buildMysqlPermissions, type MysqlAccountRow } from '../engines/mysql/facts.js';
import { parseGrants } from '../engines/mysql/grants.js';
import { buildOraclePermissions } from '../engines/oracle/permissions.js';
import { buildSqlserverPermissions } from '../engines/sqlserver/permissions.js';
import { permissions as pgPermissions, roles as pgRoles } from '../../../test/support/postgresRoles.js';
import { user } from '../../../test/support/oracleRows.js';
import { login } from '../../../test/support/sqlserverRows.js';
import { permissionCatalog } from './permissionCatalog.js';

/** Names of the facts the catalog does not offer in that scope (custom roles and object grants aside). */
function notOffered(dbType: DbType, facts: PermissionFacts, builtInRole: (r: string) => boolean): string[] {
  const catalog = permissionCatalog(dbType);
  const offered = (scope: string, name: string) =>
    catalog.privileges.some((p) => p.name === name && p.scopes.includes(scope as never));
  const roleNames = new Set(catalog.roles.map((r) => r.written_as ?? r.name));
  const p = facts.privileges;
  return [
    ...p.global.filter((n) => !offered('global', n)).map((n) => `global ${n}`),
    ...[...p.server, ...p.system].filter((n) => !offered('server', n)).map((n) => `server ${n}`),
    ...Object.values(p.database)
      .flat()
      .filter((n) => !n.includes(' ON ') && !offered('database', n))
      .map((n) => `database ${n}`),
    ...Object.values(p.tablespace)
      .flat()
      .filter((n) => !/^QUOTA \d/.test(n) && !offered('tablespace', n))
      .map((n) => `tablespace ${n}`),
    ...facts.roles
      .filter(builtInRole)
      .map((r) => r.replace(/^[^:]+:/, '<database>:'))
      .filter((r) => !roleNames.has(r))
      .map((r) => `role ${r}`),
  ];
}

const mysqlRow: MysqlAccountRow = {
  user: 'u',
  host: '%',
  source: 'mysql.global_priv',
  superPriv: null,
  grantPriv: null,
  accountLocked: false,
  passwordExpired: false,
  plugin: null,
  authPlugins: [],
  passwordLastChanged: null,
};
const mysqlFacts = (lines: string[]) =>
  buildMysqlPermissions({
    account: mysqlRow,
    grants: parseGrants(lines),
    collectedAt: '2026-12-02T00:00:00.000Z',
    serverVersion: null,
  }).facts;

describe('permissionCatalog', () => {
  it('has a catalog for every engine, each with the three capabilities', () => {
    for (const dbType of dbTypes) {
      const c = permissionCatalog(dbType);
      expect(c.db_type).toBe(dbType);
      expect(c.capabilities.map((x) => x.name)).toEqual(['SUPERUSER', 'GRANT_ADMIN', 'LOCKED']);
      expect(c.privileges.length).toBeGreaterThan(0);
      const names = c.privileges.map((p) => p.name);
      expect(new Set(names).size, `${dbType}: a privilege listed twice`).toBe(names.length);
    }
  });

  it('MySQL/MariaDB: every privilege SHOW GRANTS gave, in its scope', () => {
    const facts = [
      // MariaDB 10.11 (the local server): root, and a grant of each kind of SHOW PRIVILEGES' list.
      mysqlFacts(['GRANT ALL PRIVILEGES ON *.* TO `u`@`%` WITH GRANT OPTION']),
      mysqlFacts([
        'GRANT RELOAD, SHUTDOWN, PROCESS, FILE, SHOW DATABASES, SUPER, REPLICATION SLAVE, BINLOG MONITOR, BINLOG ADMIN, BINLOG REPLAY, REPLICATION MASTER ADMIN, REPLICATION SLAVE ADMIN, SLAVE MONITOR, CREATE USER, EVENT, CREATE TABLESPACE, SET USER, FEDERATED ADMIN, CONNECTION ADMIN, READ_ONLY ADMIN ON *.* TO `u`@`%`',
        'GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, REFERENCES, INDEX, ALTER, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, TRIGGER, DELETE HISTORY ON `app%`.* TO `u`@`%` WITH GRANT OPTION',
      ]),
      // MySQL 8.0: root's two lines.
      mysqlFacts([
        'GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, SHUTDOWN, PROCESS, FILE, REFERENCES, INDEX, ALTER, SHOW DATABASES, SUPER, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION SLAVE, REPLICATION CLIENT, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER, CREATE TABLESPACE, CREATE ROLE, DROP ROLE ON *.* TO `root`@`localhost` WITH GRANT OPTION',
        'GRANT APPLICATION_PASSWORD_ADMIN,AUDIT_ABORT_EXEMPT,AUDIT_ADMIN,AUTHENTICATION_POLICY_ADMIN,BACKUP_ADMIN,BINLOG_ADMIN,BINLOG_ENCRYPTION_ADMIN,CLONE_ADMIN,CONNECTION_ADMIN,ENCRYPTION_KEY_ADMIN,FIREWALL_EXEMPT,FLUSH_OPTIMIZER_COSTS,FLUSH_STATUS,FLUSH_TABLES,FLUSH_USER_RESOURCES,GROUP_REPLICATION_ADMIN,GROUP_REPLICATION_STREAM,INNODB_REDO_LOG_ARCHIVE,INNODB_REDO_LOG_ENABLE,PASSWORDLESS_USER_ADMIN,PERSIST_RO_VARIABLES_ADMIN,REPLICATION_APPLIER,REPLICATION_SLAVE_ADMIN,RESOURCE_GROUP_ADMIN,RESOURCE_GROUP_USER,ROLE_ADMIN,SENSITIVE_VARIABLES_OBSERVER,SERVICE_CONNECTION_ADMIN,SESSION_VARIABLES_ADMIN,SET_USER_ID,SHOW_ROUTINE,SYSTEM_USER,SYSTEM_VARIABLES_ADMIN,TABLE_ENCRYPTION_ADMIN,TELEMETRY_LOG_ADMIN,XA_RECOVER_ADMIN ON *.* TO `root`@`localhost` WITH GRANT OPTION',
      ]),
    ];
    expect(facts[1]!.privileges.database['app%']).toContain('GRANT OPTION');
    for (const f of facts) expect(notOffered('mysql', f, () => false)).toEqual([]);
  });

  it('PostgreSQL: the recorded roles’ attributes, database privileges and predefined roles', () => {
    for (const { rolname } of pgRoles) {
      const { facts } = pgPermissions(rolname);
      expect(notOffered('postgresql', facts, (r) => r.startsWith('pg_'))).toEqual([]);
    }
    expect(pgPermissions('rec_auditor').facts.roles).toContain('pg_monitor');
  });

  it('SQL Server: fixed server and database roles, server and database permissions', () => {
    const [facts] = buildSqlserverPermissions({
      logins: [login('ops')],
      serverRoleMembers: [
        { role_name: 'sysadmin', member_name: 'ops' },
        { role_name: 'securityadmin', member_name: 'ops' },
        { role_name: '##MS_ServerStateReader##', member_name: 'ops' },
      ],
      serverPermissions: ['CONNECT SQL', 'VIEW SERVER STATE', 'CONTROL SERVER', 'VIEW ANY DATABASE'].map(
        (permission_name) => ({
          grantee_name: 'ops',
          class_desc: 'SERVER',
          securable_name: null,
          permission_name,
          state: 'G' as const,
        }),
      ),
      databases: [
        {
          database: 'appdb',
          users: [{ user_name: 'ops', login_name: 'ops' }],
          roleMembers: [
            { role_name: 'db_owner', member_name: 'ops' },
            { role_name: 'db_datareader', member_name: 'ops' },
          ],
          permissions: ['CONNECT', 'SHOWPLAN', 'VIEW DATABASE STATE'].map((permission_name) => ({
            grantee_name: 'ops',
            class_desc: 'DATABASE',
            securable_name: null,
            permission_name,
            state: 'G' as const,
          })),
        },
      ],
      errors: [],
      collectedAt: '2026-12-02T00:00:00.000Z',
      serverVersion: null,
    }).map((a) => a.facts);
    expect(facts!.roles).toContain('appdb:db_owner');
    expect(notOffered('sqlserver', facts!, () => true)).toEqual([]);
  });

  it('Oracle: predefined roles, system privileges (scope server), unlimited quotas', () => {
    const built = buildOraclePermissions({
      users: [user('ALICE_DBA'), user('APP_USER')],
      rolePrivs: [
        ['ALICE_DBA', 'DBA'],
        ['DBA', 'SELECT_CATALOG_ROLE'],
        ['APP_USER', 'CONNECT'],
        ['APP_USER', 'RESOURCE'],
      ].map(([GRANTEE, GRANTED_ROLE]) => ({
        GRANTEE: GRANTEE!,
        GRANTED_ROLE: GRANTED_ROLE!,
        ADMIN_OPTION: 'NO',
        DEFAULT_ROLE: 'YES',
      })),
      sysPrivs: [
        ['DBA', 'GRANT ANY PRIVILEGE'],
        ['DBA', 'GRANT ANY ROLE'],
        ['DBA', 'CREATE USER'],
        ['CONNECT', 'CREATE SESSION'],
        ['RESOURCE', 'CREATE TABLE'],
        ['RESOURCE', 'CREATE SEQUENCE'],
        ['APP_USER', 'UNLIMITED TABLESPACE'],
      ].map(([GRANTEE, PRIVILEGE]) => ({ GRANTEE: GRANTEE!, PRIVILEGE: PRIVILEGE!, ADMIN_OPTION: 'NO' })),
      tabPrivs: [],
      quotas: [
        { USERNAME: 'APP_USER', TABLESPACE_NAME: 'USERS', BYTES: 0, MAX_BYTES: -1 },
        { USERNAME: 'APP_USER', TABLESPACE_NAME: 'DATA', BYTES: 0, MAX_BYTES: 104857600 },
      ],
      errors: [],
      collectedAt: '2026-12-02T00:00:00.000Z',
      serverVersion: null,
    });
    for (const { facts } of built) expect(notOffered('oracle', facts, () => true)).toEqual([]);
    expect(built[1]!.facts.privileges.tablespace.USERS).toEqual(['QUOTA UNLIMITED']);
  });

  it('can fail: a name the catalog lacks is reported with its scope', () => {
    const facts = mysqlFacts(['GRANT SOMETHING NEW ON *.* TO `u`@`%`']);
    expect(notOffered('mysql', facts, () => false)).toEqual(['global SOMETHING NEW']);
  });
});
