// Oracle catalog rows as node-oracledb returns them with OUT_FORMAT_OBJECT: upper-case column names,
// NUMBER -> number, DATE -> Date, NULL -> null. The DBA_ views' columns; the USER_ / ALL_ fallbacks
// are aliased by the adapter to the same names.

/** dba_users (12c+: ORACLE_MAINTAINED). From all_users the status columns are null: they are unknown. */
export interface UserRow {
  USERNAME: string;
  /** OPEN, LOCKED, LOCKED(TIMED), EXPIRED, EXPIRED(GRACE), EXPIRED & LOCKED(TIMED), ... */
  ACCOUNT_STATUS: string | null;
  DEFAULT_TABLESPACE: string | null;
  PROFILE: string | null;
  AUTHENTICATION_TYPE: string | null;
  /** 'Y' for users Oracle creates and maintains; null before 12c. */
  ORACLE_MAINTAINED: string | null;
  LOCK_DATE: Date | null;
  EXPIRY_DATE: Date | null;
}

/** dba_role_privs: a role granted to a user or to another role. */
export interface RolePrivRow {
  GRANTEE: string;
  GRANTED_ROLE: string;
  ADMIN_OPTION: string;
  /** YES / NO; null for roles granted to roles (role_role_privs has no such column). */
  DEFAULT_ROLE: string | null;
}

/** dba_sys_privs: a system privilege granted to a user or a role. */
export interface SysPrivRow {
  GRANTEE: string;
  PRIVILEGE: string;
  ADMIN_OPTION: string;
}

/** dba_tab_privs: an object privilege granted to a user. */
export interface TabPrivRow {
  GRANTEE: string;
  OWNER: string;
  TABLE_NAME: string;
  PRIVILEGE: string;
  GRANTABLE: string;
  /** TABLE, VIEW, PACKAGE, ... (12c+). */
  TYPE: string | null;
}

/** dba_ts_quotas: MAX_BYTES = -1 means unlimited. */
export interface TsQuotaRow {
  USERNAME: string;
  TABLESPACE_NAME: string;
  BYTES: number;
  MAX_BYTES: number;
}

/** dba_tablespaces. CONTENTS: PERMANENT, UNDO, TEMPORARY. */
export interface TablespaceRow {
  TABLESPACE_NAME: string;
  CONTENTS: string;
  STATUS: string;
}

/** SUM(bytes) per tablespace, of dba_data_files (allocated) or dba_free_space (free). */
export interface TablespaceBytesRow {
  TABLESPACE_NAME: string;
  BYTES: number;
}

/** dba_segments of one tablespace's tables, with their indexes' segments (via dba_indexes) and dba_tables.num_rows. */
export interface TableSegmentRow {
  OWNER: string;
  TABLE_NAME: string;
  DATA_BYTES: number;
  INDEX_BYTES: number | null;
  /** From optimizer statistics: null when never analysed. */
  NUM_ROWS: number | null;
}

/** Bytes -> MB (MiB) with 3 decimals. */
export function bytesToMb(bytes: number | null | undefined): number {
  const n = typeof bytes === 'number' && Number.isFinite(bytes) ? bytes : 0;
  return Math.round((n / 1048576) * 1000) / 1000;
}
