// The catalog queries; their column names are the row types of src/domain/engines/sqlserver/catalogRows.ts.
// Database-scoped ones run inside a database through <db>.sys.sp_executesql, which neither changes the
// pooled connection's database (as USE would) nor needs three-part names in every join.

export const VERSION = `SELECT @@VERSION AS version`;

export const COLLECTOR_RIGHTS = `SELECT HAS_PERMS_BY_NAME(NULL, NULL, 'VIEW ANY DEFINITION') AS view_any_definition`;

export const LOGINS = `
SELECT p.name, p.type, p.type_desc, p.is_disabled, p.default_database_name,
       l.is_expiration_checked, l.is_policy_checked,
       CAST(LOGINPROPERTY(p.name, 'IsLocked') AS int) AS is_locked,
       CAST(LOGINPROPERTY(p.name, 'IsExpired') AS int) AS is_expired,
       CAST(LOGINPROPERTY(p.name, 'IsMustChange') AS int) AS is_must_change,
       IS_SRVROLEMEMBER('sysadmin', p.name) AS is_sysadmin
FROM sys.server_principals AS p
LEFT JOIN sys.sql_logins AS l ON l.principal_id = p.principal_id
WHERE p.type IN ('S', 'U', 'G')
ORDER BY p.name`;

export const SERVER_ROLE_MEMBERS = `
SELECT r.name AS role_name, m.name AS member_name
FROM sys.server_role_members AS rm
JOIN sys.server_principals AS r ON r.principal_id = rm.role_principal_id
JOIN sys.server_principals AS m ON m.principal_id = rm.member_principal_id`;

export const SERVER_PERMISSIONS = `
SELECT g.name AS grantee_name, pe.class_desc,
       CASE pe.class WHEN 105 THEN e.name WHEN 101 THEN t.name ELSE NULL END AS securable_name,
       pe.permission_name, pe.state
FROM sys.server_permissions AS pe
JOIN sys.server_principals AS g ON g.principal_id = pe.grantee_principal_id
LEFT JOIN sys.endpoints AS e ON pe.class = 105 AND e.endpoint_id = pe.major_id
LEFT JOIN sys.server_principals AS t ON pe.class = 101 AND t.principal_id = pe.major_id`;

export const DATABASES = `
SELECT name, database_id, state_desc, HAS_DBACCESS(name) AS has_dbaccess
FROM sys.databases
ORDER BY name`;

export const MASTER_FILES = `SELECT database_id, type, size FROM sys.master_files`;

// --- run inside one database ---

export const DATABASE_USERS = `
SELECT dp.name AS user_name, sp.name AS login_name
FROM sys.database_principals AS dp
JOIN sys.server_principals AS sp ON sp.sid = dp.sid
WHERE dp.type IN ('S', 'U', 'G', 'E', 'X')`;

export const DATABASE_ROLE_MEMBERS = `
SELECT r.name AS role_name, m.name AS member_name
FROM sys.database_role_members AS rm
JOIN sys.database_principals AS r ON r.principal_id = rm.role_principal_id
JOIN sys.database_principals AS m ON m.principal_id = rm.member_principal_id`;

export const DATABASE_PERMISSIONS = `
SELECT g.name AS grantee_name, pe.class_desc,
       CASE pe.class
         WHEN 1 THEN OBJECT_SCHEMA_NAME(pe.major_id) + N'.' + OBJECT_NAME(pe.major_id)
                     + CASE WHEN pe.minor_id > 0 THEN N'(' + COL_NAME(pe.major_id, pe.minor_id) + N')' ELSE N'' END
         WHEN 3 THEN SCHEMA_NAME(pe.major_id)
         WHEN 4 THEN USER_NAME(pe.major_id)
         ELSE NULL
       END AS securable_name,
       pe.permission_name, pe.state
FROM sys.database_permissions AS pe
JOIN sys.database_principals AS g ON g.principal_id = pe.grantee_principal_id`;

export const TABLE_SIZES = `
SELECT s.name AS schema_name, t.name AS table_name,
       SUM(ps.used_page_count) AS used_pages,
       SUM(CASE WHEN ps.index_id IN (0, 1)
                THEN ps.in_row_used_page_count + ps.lob_used_page_count + ps.row_overflow_used_page_count
                ELSE 0 END) AS data_pages,
       SUM(CASE WHEN ps.index_id IN (0, 1) THEN ps.row_count ELSE 0 END) AS row_count
FROM sys.dm_db_partition_stats AS ps
JOIN sys.tables AS t ON t.object_id = ps.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE t.is_ms_shipped = 0
GROUP BY s.name, t.name`;

/** [name] with ] doubled, as QUOTENAME does. */
export function quoteName(name: string): string {
  return `[${name.replace(/]/g, ']]')}]`;
}

/** Runs `@stmt` in database `name`; pass the statement as the `stmt` parameter. */
export function inDatabase(name: string): string {
  return `EXEC ${quoteName(name)}.sys.sp_executesql @stmt`;
}
