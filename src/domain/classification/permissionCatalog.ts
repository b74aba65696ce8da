// The names the rule editor offers per engine (GET /accounts/classifications/permissions/{db_type}):
// capabilities, roles and privileges with the DSL scopes each can be found in, spelled as the engine
// adapters write them into the permission facts (src/domain/engines/*). Pure data.
//
// - MySQL/MariaDB: privileges as SHOW GRANTS prints them (upper case, `ALL PRIVILEGES`, `GRANT OPTION`),
//   static ones and MySQL 8 dynamic ones and MariaDB's own; global at *.*, database for those a grant
//   ON db.* may carry. Roles are the server's own creations: none are built in.
// - PostgreSQL: role attributes as global privileges (SUPERUSER ... LOGIN), CONNECT/CREATE/TEMPORARY per
//   database, the predefined pg_* roles (15 to 17); other roles are the cluster's own.
// - SQL Server: server roles and server permissions (scope server), database permissions (scope
//   database); a database role is in the facts as `<database>:<role>` (written_as).
// - Oracle: system privileges (scope server: the DSL's server scope reads privileges.system), the
//   predefined roles, tablespace quotas (scope tablespace).
// The lists are what the editor suggests; a rule may name anything else (a custom role, an object grant).
import type { DbType } from '../engines/model.js';
import type { PrivilegeScope } from './functions.js';

export interface CatalogCapability {
  name: 'SUPERUSER' | 'GRANT_ADMIN' | 'LOCKED';
  /** What makes the capability hold on this engine. */
  description: string;
}

export interface CatalogRole {
  name: string;
  kind: 'server' | 'database' | 'predefined';
  /** How the role appears in the facts when it differs from the name (`<database>:db_owner`). */
  written_as?: string;
}

export interface CatalogPrivilege {
  name: string;
  /** The has_privilege scopes the privilege can be found in. */
  scopes: PrivilegeScope[];
}

export interface PermissionCatalog {
  db_type: DbType;
  capabilities: CatalogCapability[];
  roles: CatalogRole[];
  privileges: CatalogPrivilege[];
  /** What the lists do not cover. */
  notes: string[];
}

/** Names written as one text: comma-separated, spaces around them ignored. */
const list = (text: string): string[] =>
  text
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');

const privileges = (scopes: PrivilegeScope[], names: readonly string[]): CatalogPrivilege[] =>
  names.map((name) => ({ name, scopes }));
const roles = (kind: CatalogRole['kind'], names: readonly string[], writtenAs?: (n: string) => string) =>
  names.map((name): CatalogRole => ({ name, kind, ...(writtenAs ? { written_as: writtenAs(name) } : {}) }));
const caps = (superuser: string, grantAdmin: string, locked: string): CatalogCapability[] => [
  { name: 'SUPERUSER', description: superuser },
  { name: 'GRANT_ADMIN', description: grantAdmin },
  { name: 'LOCKED', description: locked },
];

// SHOW PRIVILEGES contexts Databases/Tables/Functions/Procedures: grantable ON db.* as well as *.*.
const mysqlDatabaseLevel = list(`
  ALL PRIVILEGES, ALTER, ALTER ROUTINE, CREATE, CREATE ROUTINE, CREATE TEMPORARY TABLES,
  CREATE VIEW, DELETE, DELETE HISTORY, DROP, EVENT, EXECUTE, GRANT OPTION, INDEX, INSERT,
  LOCK TABLES, REFERENCES, SELECT, SHOW CREATE ROUTINE, SHOW VIEW, TRIGGER, UPDATE
`);
// Server administration: *.* only. MariaDB's names, then MySQL 8's dynamic privileges (they differ
// since MariaDB 10.5 / MySQL 8.0).
const mysqlGlobalOnly = list(`
  BINLOG ADMIN, BINLOG MONITOR, BINLOG REPLAY, CONNECTION ADMIN, CREATE ROLE, CREATE TABLESPACE,
  CREATE USER, DROP ROLE, FEDERATED ADMIN, FILE, PROCESS, PROXY, READ_ONLY ADMIN, RELOAD,
  REPLICATION CLIENT, REPLICATION MASTER ADMIN, REPLICATION SLAVE, REPLICATION SLAVE ADMIN,
  SET USER, SHOW DATABASES, SHUTDOWN, SLAVE MONITOR, SUPER,
  APPLICATION_PASSWORD_ADMIN, AUDIT_ABORT_EXEMPT, AUDIT_ADMIN, AUTHENTICATION_POLICY_ADMIN,
  BACKUP_ADMIN, BINLOG_ADMIN, BINLOG_ENCRYPTION_ADMIN, CLONE_ADMIN, CONNECTION_ADMIN,
  ENCRYPTION_KEY_ADMIN, FIREWALL_ADMIN, FIREWALL_EXEMPT, FIREWALL_USER, FLUSH_OPTIMIZER_COSTS,
  FLUSH_PRIVILEGES, FLUSH_STATUS, FLUSH_TABLES, FLUSH_USER_RESOURCES, GROUP_REPLICATION_ADMIN,
  GROUP_REPLICATION_STREAM, INNODB_REDO_LOG_ARCHIVE, INNODB_REDO_LOG_ENABLE, OPTIMIZE_LOCAL_TABLE,
  PASSWORDLESS_USER_ADMIN, PERSIST_RO_VARIABLES_ADMIN, REPLICATION_APPLIER, REPLICATION_SLAVE_ADMIN,
  RESOURCE_GROUP_ADMIN, RESOURCE_GROUP_USER, ROLE_ADMIN, SENSITIVE_VARIABLES_OBSERVER,
  SERVICE_CONNECTION_ADMIN, SESSION_VARIABLES_ADMIN, SET_ANY_DEFINER, SET_USER_ID, SHOW_ROUTINE,
  SYSTEM_USER, SYSTEM_VARIABLES_ADMIN, TABLE_ENCRYPTION_ADMIN, TELEMETRY_LOG_ADMIN,
  TRANSACTION_GTID_TAG, XA_RECOVER_ADMIN
`);

const postgresPredefinedRoles = list(`
  pg_checkpoint, pg_create_subscription, pg_database_owner, pg_execute_server_program,
  pg_maintain, pg_monitor, pg_read_all_data, pg_read_all_settings, pg_read_all_stats,
  pg_read_server_files, pg_signal_backend, pg_stat_scan_tables, pg_use_reserved_connections,
  pg_write_all_data, pg_write_server_files
`);

const sqlserverServerRoles = list(`
  bulkadmin, dbcreator, diskadmin, processadmin, securityadmin, serveradmin, setupadmin,
  sysadmin, ##MS_DatabaseConnector##, ##MS_DatabaseManager##, ##MS_DefinitionReader##,
  ##MS_LoginManager##, ##MS_PerformanceDefinitionReader##, ##MS_SecurityDefinitionReader##,
  ##MS_ServerStateManager##, ##MS_ServerStateReader##
`);
const sqlserverDatabaseRoles = list(`
  db_accessadmin, db_backupoperator, db_datareader, db_datawriter, db_ddladmin,
  db_denydatareader, db_denydatawriter, db_owner, db_securityadmin
`);
const sqlserverServerPermissions = list(`
  ADMINISTER BULK OPERATIONS, ALTER ANY AVAILABILITY GROUP, ALTER ANY CONNECTION,
  ALTER ANY CREDENTIAL, ALTER ANY DATABASE, ALTER ANY ENDPOINT, ALTER ANY EVENT NOTIFICATION,
  ALTER ANY EVENT SESSION, ALTER ANY LINKED SERVER, ALTER ANY LOGIN, ALTER ANY SERVER AUDIT,
  ALTER ANY SERVER ROLE, ALTER RESOURCES, ALTER SERVER STATE, ALTER SETTINGS, ALTER TRACE,
  AUTHENTICATE SERVER, CONNECT ANY DATABASE, CONNECT SQL, CONTROL SERVER, CREATE ANY DATABASE,
  CREATE AVAILABILITY GROUP, CREATE DDL EVENT NOTIFICATION, CREATE ENDPOINT, CREATE SERVER ROLE,
  CREATE TRACE EVENT NOTIFICATION, EXTERNAL ACCESS ASSEMBLY, IMPERSONATE ANY LOGIN,
  SELECT ALL USER SECURABLES, SHUTDOWN, UNSAFE ASSEMBLY, VIEW ANY DATABASE, VIEW ANY DEFINITION,
  VIEW SERVER STATE
`);
const sqlserverDatabasePermissions = list(`
  ALTER, ALTER ANY APPLICATION ROLE, ALTER ANY ROLE, ALTER ANY SCHEMA, ALTER ANY USER, BACKUP DATABASE,
  BACKUP LOG, CHECKPOINT, CONNECT, CONTROL, CREATE FUNCTION, CREATE PROCEDURE, CREATE ROLE,
  CREATE SCHEMA, CREATE TABLE, CREATE VIEW, DELETE, EXECUTE, IMPERSONATE, INSERT, REFERENCES,
  SELECT, SHOWPLAN, TAKE OWNERSHIP, UPDATE, VIEW DATABASE STATE, VIEW DEFINITION
`);

const oracleRoles = list(`
  AQ_ADMINISTRATOR_ROLE, AUDIT_ADMIN, AUDIT_VIEWER, CAPTURE_ADMIN, CDB_DBA, CONNECT,
  DATAPUMP_EXP_FULL_DATABASE, DATAPUMP_IMP_FULL_DATABASE, DBA, DELETE_CATALOG_ROLE,
  EXECUTE_CATALOG_ROLE, EXP_FULL_DATABASE, GATHER_SYSTEM_STATISTICS, HS_ADMIN_ROLE,
  IMP_FULL_DATABASE, OEM_MONITOR, PDB_DBA, RECOVERY_CATALOG_OWNER, RESOURCE, SCHEDULER_ADMIN,
  SELECT_CATALOG_ROLE
`);
const oracleSystemPrivileges = list(`
  ADMINISTER DATABASE TRIGGER, ALTER ANY PROCEDURE, ALTER ANY ROLE, ALTER ANY TABLE, ALTER DATABASE,
  ALTER PROFILE, ALTER SESSION, ALTER SYSTEM, ALTER TABLESPACE, ALTER USER, AUDIT ANY,
  AUDIT SYSTEM, BECOME USER, CREATE ANY INDEX, CREATE ANY PROCEDURE, CREATE ANY TABLE,
  CREATE ANY VIEW, CREATE DATABASE LINK, CREATE JOB, CREATE PROCEDURE, CREATE PROFILE,
  CREATE PUBLIC DATABASE LINK, CREATE PUBLIC SYNONYM, CREATE ROLE, CREATE SEQUENCE, CREATE SESSION,
  CREATE SYNONYM, CREATE TABLE, CREATE TABLESPACE, CREATE TRIGGER, CREATE TYPE, CREATE USER,
  CREATE VIEW, DELETE ANY TABLE, DROP ANY PROCEDURE, DROP ANY ROLE, DROP ANY TABLE, DROP PROFILE,
  DROP TABLESPACE, DROP USER, EXECUTE ANY PROCEDURE, EXEMPT ACCESS POLICY, EXEMPT REDACTION POLICY,
  FLASHBACK ANY TABLE, GRANT ANY OBJECT PRIVILEGE, GRANT ANY PRIVILEGE, GRANT ANY ROLE,
  INSERT ANY TABLE, LOCK ANY TABLE, LOGMINING, RESTRICTED SESSION, SELECT ANY DICTIONARY,
  SELECT ANY SEQUENCE, SELECT ANY TABLE, SELECT ANY TRANSACTION, SET CONTAINER, SYSBACKUP, SYSDBA,
  SYSDG, SYSKM, SYSOPER, UNLIMITED TABLESPACE, UPDATE ANY TABLE
`);

const catalogs: Record<DbType, PermissionCatalog> = {
  mysql: {
    db_type: 'mysql',
    capabilities: caps(
      'SUPER or ALL PRIVILEGES on *.* (or Super_priv = Y)',
      'WITH GRANT OPTION on *.* (or Grant_priv = Y)',
      'account_locked = Y or password_expired = Y',
    ),
    roles: [],
    privileges: [
      ...privileges(['global', 'database'], mysqlDatabaseLevel),
      ...privileges(['global'], mysqlGlobalOnly),
    ],
    notes: [
      'roles are created on the server (GRANT role TO user): has_role names them as the server does',
      'database scope keys are the grant patterns as written (app%, app\\_db)',
      'table, column and routine grants are in the snapshot, not in the facts',
    ],
  },
  postgresql: {
    db_type: 'postgresql',
    capabilities: caps(
      'rolsuper = true',
      'rolsuper or rolcreaterole = true',
      'rolcanlogin = false or rolvaliduntil in the past',
    ),
    roles: roles('predefined', postgresPredefinedRoles),
    privileges: [
      ...privileges(['global'], ['BYPASSRLS', 'CREATEDB', 'CREATEROLE', 'LOGIN', 'REPLICATION', 'SUPERUSER']),
      ...privileges(['database'], ['CONNECT', 'CREATE', 'TEMPORARY']),
    ],
    notes: [
      'global privileges are the role attributes (pg_roles)',
      'roles: every role the account is a member of, directly or through others (the cluster’s own roles too)',
    ],
  },
  sqlserver: {
    db_type: 'sqlserver',
    capabilities: caps(
      'member of sysadmin',
      'member of securityadmin, CONTROL SERVER granted, or sysadmin',
      'login disabled, locked or expired, or CONNECT SQL denied',
    ),
    roles: [
      ...roles('server', sqlserverServerRoles),
      ...roles('database', sqlserverDatabaseRoles, (n) => `<database>:${n}`),
    ],
    privileges: [
      ...privileges(['server'], sqlserverServerPermissions),
      ...privileges(['database'], sqlserverDatabasePermissions),
    ],
    notes: [
      'a database role is in the facts as <database>:<role> (appdb:db_owner)',
      'permissions on a securable are written <PERMISSION> ON <CLASS>::<name> (SELECT ON OBJECT::dbo.orders)',
      'denied permissions are never held',
    ],
  },
  oracle: {
    db_type: 'oracle',
    capabilities: caps(
      'granted role DBA',
      'role DBA, or system privilege GRANT ANY PRIVILEGE or GRANT ANY ROLE',
      'account_status LOCKED or EXPIRED',
    ),
    roles: roles('predefined', oracleRoles),
    privileges: [
      ...privileges(['server'], oracleSystemPrivileges),
      ...privileges(['tablespace'], ['QUOTA UNLIMITED']),
    ],
    notes: [
      'system privileges are found with scope server (it reads privileges.system)',
      'tablespace quotas are QUOTA UNLIMITED or QUOTA <n> MB',
      'object privileges are in the snapshot, not in the facts',
    ],
  },
};

/** The catalog of one engine. */
export const permissionCatalog = (dbType: DbType): PermissionCatalog => catalogs[dbType];
