// The catalog queries of the PostgreSQL adapter. Read-only, parameterised, readable by any login role
// (pg_roles, pg_auth_members and pg_database are open to PUBLIC).

export const versionSql = `SELECT current_setting('server_version') AS version,
  current_setting('server_version_num')::int AS num`;

/** Databases one can connect to; templates and datallowconn = false (template0) are left out. */
export const databasesSql = `SELECT datname FROM pg_database
  WHERE datallowconn AND NOT datistemplate ORDER BY datname`;

/** 42501 without CONNECT on the database (unless a member of pg_read_all_stats). */
export const databaseSizeSql = `SELECT pg_database_size($1::name)::text AS bytes`;

/** The sizes of the databases in $1 (listed before), in their order; fails as a whole on the first error. */
export const databaseSizesSql = `SELECT d.datname, pg_database_size(d.datname)::text AS bytes
  FROM unnest($1::name[]) WITH ORDINALITY AS d(datname, n) ORDER BY d.n`;

/** All roles but the predefined pg_* ones. rolvaliduntil as UTC ISO text, whatever the session TimeZone. */
export const rolesSql = `SELECT rolname, oid = 10 AS "isBootstrap", rolsuper, rolinherit, rolcreaterole,
  rolcreatedb, rolcanlogin, rolreplication, rolbypassrls, rolconnlimit,
  CASE WHEN rolvaliduntil IS NULL THEN NULL
       WHEN isfinite(rolvaliduntil)
         THEN to_char(rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
       WHEN rolvaliduntil > 'epoch'::timestamptz THEN 'infinity'
       ELSE '-infinity' END AS rolvaliduntil
  FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY rolname`;

const membershipsFrom = `FROM pg_auth_members m
  JOIN pg_roles mr ON mr.oid = m.member
  JOIN pg_roles gr ON gr.oid = m.roleid
  LEFT JOIN pg_roles gt ON gt.oid = m.grantor
  ORDER BY 1, 2, 6`;

/** PostgreSQL 16+: inherit and set are options of each grant. */
export const membershipsSql16 = `SELECT mr.rolname AS member, gr.rolname AS role, m.admin_option,
  m.inherit_option, m.set_option, gt.rolname AS grantor ${membershipsFrom}`;

/** Up to 15: inheritance is the member's rolinherit; SET ROLE is open to every member. */
export const membershipsSql15 = `SELECT mr.rolname AS member, gr.rolname AS role, m.admin_option,
  mr.rolinherit AS inherit_option, true AS set_option, gt.rolname AS grantor ${membershipsFrom}`;

/** The ACL entries of each database (acldefault when datacl is NULL); grantee NULL is PUBLIC. */
export const databaseAclSql = `SELECT d.datname, a.privilege_type, g.rolname AS grantee, a.is_grantable,
  gt.rolname AS grantor
  FROM pg_database d
  CROSS JOIN LATERAL aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
  LEFT JOIN pg_roles g ON g.oid = a.grantee AND a.grantee <> 0
  LEFT JOIN pg_roles gt ON gt.oid = a.grantor
  WHERE d.datallowconn AND NOT d.datistemplate
  ORDER BY 1, 2, 3`;

/** User tables, partitioned tables and materialized views of the connected database. */
/** A row of tableSizesSql. */
export interface TableRow {
  schema: string;
  name: string;
  total: string | null;
  data: string | null;
  indexes: string | null;
  reltuples: number;
}

export const tableSizesSql = `SELECT n.nspname AS schema, c.relname AS name,
  pg_total_relation_size(c.oid)::text AS total, pg_table_size(c.oid)::text AS data,
  pg_indexes_size(c.oid)::text AS indexes, c.reltuples::float8 AS reltuples
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'm')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname !~ '^pg_(toast|temp_)'
  ORDER BY 1, 2`;
