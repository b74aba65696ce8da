// The catalog queries; their (upper-case) column names are the row types of
// src/domain/engines/oracle/catalogRows.ts. Each DBA_ view has a fallback a collector without
// SELECT_CATALOG_ROLE may read; columns a fallback lacks are selected as NULL. "_11G" variants leave out
// columns that 12c added (ORACLE_MAINTAINED, DBA_TAB_PRIVS.TYPE), used after ORA-00904.

export const PING = `SELECT 1 AS ok FROM dual`;

const userColumns = `username, account_status, default_tablespace, profile, authentication_type`;

export const USERS = `
SELECT ${userColumns}, oracle_maintained, lock_date, expiry_date
FROM dba_users ORDER BY username`;

export const USERS_11G = `
SELECT ${userColumns}, NULL AS oracle_maintained, lock_date, expiry_date
FROM dba_users ORDER BY username`;

export const ALL_USERS = `
SELECT username, NULL AS account_status, NULL AS default_tablespace, NULL AS profile,
       NULL AS authentication_type, oracle_maintained, NULL AS lock_date, NULL AS expiry_date
FROM all_users ORDER BY username`;

export const ALL_USERS_11G = `
SELECT username, NULL AS account_status, NULL AS default_tablespace, NULL AS profile,
       NULL AS authentication_type, NULL AS oracle_maintained, NULL AS lock_date, NULL AS expiry_date
FROM all_users ORDER BY username`;

/** The collector's own row: user_users has its status even without DBA views. */
export const CURRENT_USER = `
SELECT username, account_status, default_tablespace, NULL AS profile, NULL AS authentication_type,
       NULL AS oracle_maintained, lock_date, expiry_date
FROM user_users`;

export const ROLE_PRIVS = `SELECT grantee, granted_role, admin_option, default_role FROM dba_role_privs`;
export const SYS_PRIVS = `SELECT grantee, privilege, admin_option FROM dba_sys_privs`;

export const TAB_PRIVS = `
SELECT p.grantee, p.owner, p.table_name, p.privilege, p.grantable, p.type
FROM dba_tab_privs p
WHERE p.grantee IN (SELECT username FROM dba_users)`;

export const TAB_PRIVS_11G = `
SELECT p.grantee, p.owner, p.table_name, p.privilege, p.grantable, NULL AS type
FROM dba_tab_privs p
WHERE p.grantee IN (SELECT username FROM dba_users)`;

export const TS_QUOTAS = `SELECT username, tablespace_name, bytes, max_bytes FROM dba_ts_quotas`;

// --- the collector's own privileges, readable by any user ---

export const OWN_ROLE_PRIVS = `
SELECT username AS grantee, granted_role, admin_option, default_role FROM user_role_privs
UNION ALL
SELECT role AS grantee, granted_role, admin_option, NULL AS default_role FROM role_role_privs`;

export const OWN_SYS_PRIVS = `
SELECT username AS grantee, privilege, admin_option FROM user_sys_privs
UNION ALL
SELECT role AS grantee, privilege, admin_option FROM role_sys_privs`;

export const OWN_TS_QUOTAS = `SELECT USER AS username, tablespace_name, bytes, max_bytes FROM user_ts_quotas`;

// --- tablespaces and segments ---

export const TABLESPACES = `SELECT tablespace_name, contents, status FROM dba_tablespaces ORDER BY tablespace_name`;
export const USER_TABLESPACES = `SELECT tablespace_name, contents, status FROM user_tablespaces ORDER BY tablespace_name`;

export const DATA_FILES = `SELECT tablespace_name, SUM(bytes) AS bytes FROM dba_data_files GROUP BY tablespace_name`;
export const FREE_SPACE = `SELECT tablespace_name, SUM(bytes) AS bytes FROM dba_free_space GROUP BY tablespace_name`;

/** Bind :tablespace. Recycle-bin segments (BIN$...) are left out. */
export const TABLE_SEGMENTS = `
SELECT t.owner, t.segment_name AS table_name, t.bytes AS data_bytes, i.bytes AS index_bytes, dt.num_rows
FROM (SELECT owner, segment_name, SUM(bytes) AS bytes
      FROM dba_segments
      WHERE tablespace_name = :tablespace
        AND segment_type IN ('TABLE', 'TABLE PARTITION', 'TABLE SUBPARTITION')
        AND segment_name NOT LIKE 'BIN$%'
      GROUP BY owner, segment_name) t
LEFT JOIN (SELECT ix.table_owner, ix.table_name, SUM(s.bytes) AS bytes
           FROM dba_indexes ix
           JOIN dba_segments s ON s.owner = ix.owner AND s.segment_name = ix.index_name
           WHERE s.segment_type IN ('INDEX', 'INDEX PARTITION', 'INDEX SUBPARTITION')
           GROUP BY ix.table_owner, ix.table_name) i
  ON i.table_owner = t.owner AND i.table_name = t.segment_name
LEFT JOIN dba_tables dt ON dt.owner = t.owner AND dt.table_name = t.segment_name
ORDER BY t.owner, t.segment_name`;
