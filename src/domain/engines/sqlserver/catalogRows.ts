// SQL Server catalog rows as the adapter's queries return them through tedious: bit -> boolean,
// int -> number, bigint -> string (tedious keeps 64-bit integers exact as text), NULL -> null.

/** A 64-bit count as tedious returns it (text), or a plain number. */
export type SqlCount = number | string | bigint;

/** sys.server_principals (types S, U, G) left-joined to sys.sql_logins, with LOGINPROPERTY and IS_SRVROLEMEMBER. */
export interface LoginRow {
  name: string;
  /** S = SQL login, U = Windows login, G = Windows group. */
  type: string;
  type_desc: string;
  is_disabled: boolean;
  default_database_name: string | null;
  /** sys.sql_logins columns: null for Windows logins and groups. */
  is_expiration_checked: boolean | null;
  is_policy_checked: boolean | null;
  /** LOGINPROPERTY(name, 'IsLocked' | 'IsExpired' | 'IsMustChange'): 1, 0, or null (Windows logins). */
  is_locked: number | null;
  is_expired: number | null;
  is_must_change: number | null;
  /** IS_SRVROLEMEMBER('sysadmin', name): also sees membership through Windows groups; null when unknown. */
  is_sysadmin: number | null;
}

/** sys.server_role_members joined to the role's and the member's names (the member may be a role). */
export interface ServerRoleMemberRow {
  role_name: string;
  member_name: string;
}

/** G = GRANT, W = GRANT WITH GRANT OPTION, D = DENY (R = REVOKE never persists but is tolerated). */
export type PermissionState = 'G' | 'W' | 'D' | 'R';

/** sys.server_permissions with the grantee's name and, for endpoints and logins, the securable's name. */
export interface ServerPermissionRow {
  grantee_name: string;
  /** SERVER, ENDPOINT, SERVER_PRINCIPAL, AVAILABILITY GROUP. */
  class_desc: string;
  securable_name: string | null;
  permission_name: string;
  state: PermissionState;
}

/** sys.databases with HAS_DBACCESS(name) for the collector (1, 0, or null when offline). */
export interface DatabaseRow {
  name: string;
  database_id: number;
  state_desc: string;
  has_dbaccess: number | null;
}

/** A database user mapped to a login: <db>.sys.database_principals joined to sys.server_principals on sid. */
export interface DatabaseUserRow {
  user_name: string;
  login_name: string;
}

/** <db>.sys.database_role_members by name; the member is a user or another role of the same database. */
export interface DatabaseRoleMemberRow {
  role_name: string;
  member_name: string;
}

/** <db>.sys.database_permissions with the grantee's name and, for objects and schemas, the securable. */
export interface DatabasePermissionRow {
  grantee_name: string;
  /** DATABASE, OBJECT_OR_COLUMN, SCHEMA, DATABASE_PRINCIPAL, TYPE, ... */
  class_desc: string;
  securable_name: string | null;
  permission_name: string;
  state: PermissionState;
}

/** What one user database said about its principals. */
export interface DatabaseCatalog {
  database: string;
  users: DatabaseUserRow[];
  roleMembers: DatabaseRoleMemberRow[];
  permissions: DatabasePermissionRow[];
}

/** sys.master_files: size in 8 KB pages; type 0 = ROWS (data), 1 = LOG, others (FILESTREAM, FULLTEXT) ignored. */
export interface MasterFileRow {
  database_id: number;
  type: number;
  size: SqlCount;
}

/** <db>.sys.dm_db_partition_stats + sys.tables + sys.schemas, summed per table. */
export interface TableSizeRow {
  schema_name: string;
  table_name: string;
  /** used_page_count over every index and heap of the table. */
  used_pages: SqlCount;
  /** in-row + LOB + row-overflow used pages of the heap or clustered index (index_id 0/1). */
  data_pages: SqlCount;
  /** row_count of index_id 0/1. */
  row_count: SqlCount | null;
}

/** HAS_PERMS_BY_NAME probes for the collector's own login. */
export interface CollectorRightsRow {
  view_any_definition: number | null;
}

export function toNumber(value: SqlCount | null | undefined): number {
  if (value === null || value === undefined) return 0;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}

/** 8 KB pages -> MB with 3 decimals. */
export function pagesToMb(pages: SqlCount | null | undefined): number {
  return Math.round(((toNumber(pages) * 8) / 1024) * 1000) / 1000;
}
