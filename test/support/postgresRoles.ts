// Rows recorded from PostgreSQL 17.10 and 15.20 (the adapter's queries, written compactly below) for:
//   rec_dba LOGIN SUPERUSER; rec_ops LOGIN CREATEROLE REPLICATION BYPASSRLS; rec_readers NOLOGIN;
//   rec_analyst LOGIN NOINHERIT; rec_auditor LOGIN VALID UNTIL 2020-01-01; rec_temp VALID UNTIL 2999-01-01 12:30;
//   rec_owner LOGIN CREATEDB owns rec_appdb; REVOKE ALL ON DATABASE rec_appdb FROM PUBLIC;
//   GRANT CONNECT ON rec_appdb TO rec_readers; GRANT TEMPORARY ON rec_appdb TO rec_ops WITH GRANT OPTION;
//   GRANT pg_read_all_data TO rec_readers; GRANT pg_monitor TO rec_auditor;
//   GRANT rec_readers TO rec_analyst, rec_auditor; TO rec_ops WITH ADMIN OPTION; then, as rec_ops,
//   GRANT rec_readers TO rec_analyst again (17: a second row with grantor rec_ops; 15: a NOTICE, no row).
// `serverTruth` is what has_database_privilege() and pg_has_role() answered on both versions.
import {
  postgresPermissions,
  type PgDatabaseAclRow,
  type PgRoleRow,
} from '../../src/domain/engines/postgresql/facts.js';
import type { PgMembershipRow } from '../../src/domain/engines/postgresql/memberships.js';

export const now = new Date('2025-06-01T00:00:00Z');
export const role = (rolname: string, attrs: Partial<PgRoleRow> = {}): PgRoleRow => ({
  rolname,
  isBootstrap: false,
  rolsuper: false,
  rolinherit: true,
  rolcreaterole: false,
  rolcreatedb: false,
  rolcanlogin: true,
  rolreplication: false,
  rolbypassrls: false,
  rolconnlimit: -1,
  rolvaliduntil: null,
  ...attrs,
});
export const roles = [
  role('rec_analyst', { rolinherit: false }),
  role('rec_auditor', { rolvaliduntil: '2020-01-01T00:00:00Z' }),
  role('rec_dba', { rolsuper: true }),
  role('rec_ops', { rolcreaterole: true, rolreplication: true, rolbypassrls: true }),
  role('rec_owner', { rolcreatedb: true }),
  role('rec_readers', { rolcanlogin: false }),
  role('rec_temp', { rolvaliduntil: '2999-01-01T12:30:00Z' }),
];
export type Edge = [member: string, role: string, admin: boolean, inherit: boolean, grantor: string];
export const edge = ([member, r, admin_option, inherit_option, grantor]: Edge): PgMembershipRow => ({
  member,
  role: r,
  admin_option,
  inherit_option,
  set_option: true,
  grantor,
});
export const pg15: PgMembershipRow[] = (
  [
    ['pg_monitor', 'pg_read_all_settings', false, true, 'postgres'],
    ['pg_monitor', 'pg_read_all_stats', false, true, 'postgres'],
    ['pg_monitor', 'pg_stat_scan_tables', false, true, 'postgres'],
    ['rec_analyst', 'rec_readers', false, false, 'postgres'],
    ['rec_auditor', 'pg_monitor', false, true, 'postgres'],
    ['rec_auditor', 'rec_readers', false, true, 'postgres'],
    ['rec_ops', 'rec_readers', true, true, 'postgres'],
    ['rec_readers', 'pg_read_all_data', false, true, 'postgres'],
  ] as Edge[]
).map(edge);
export const pg17 = [...pg15, edge(['rec_analyst', 'rec_readers', false, false, 'rec_ops'])];

type Acl = [db: string, privilege: string, grantee: string | null, grantable: boolean, grantor: string];
export const acl: PgDatabaseAclRow[] = (
  [
    ['postgres', 'CONNECT', 'postgres', false, 'postgres'],
    ['postgres', 'CONNECT', null, false, 'postgres'],
    ['postgres', 'CREATE', 'postgres', false, 'postgres'],
    ['postgres', 'TEMPORARY', 'postgres', false, 'postgres'],
    ['postgres', 'TEMPORARY', null, false, 'postgres'],
    ['rec_appdb', 'CONNECT', 'rec_owner', false, 'rec_owner'],
    ['rec_appdb', 'CONNECT', 'rec_readers', false, 'rec_owner'],
    ['rec_appdb', 'CREATE', 'rec_owner', false, 'rec_owner'],
    ['rec_appdb', 'TEMPORARY', 'rec_ops', true, 'rec_owner'],
    ['rec_appdb', 'TEMPORARY', 'rec_owner', false, 'rec_owner'],
  ] as Acl[]
).map(([datname, privilege_type, grantee, is_grantable, grantor]) => ({
  datname,
  privilege_type,
  grantee,
  is_grantable,
  grantor,
}));
export const databases = ['postgres', 'rec_appdb'];

export const PUB = ['CONNECT', 'TEMPORARY'];
export const ALL = ['CONNECT', 'CREATE', 'TEMPORARY'];
const MONITOR = ['pg_monitor', 'pg_read_all_settings', 'pg_read_all_stats', 'pg_stat_scan_tables'];
/** has_database_privilege(), pg_has_role(MEMBER) and pg_has_role(USAGE), the same on 15 and 17. */
export const serverTruth: Record<
  string,
  { db: Record<string, string[]>; member: string[]; usage: string[] }
> = {
  rec_analyst: { db: { postgres: PUB }, member: ['pg_read_all_data', 'rec_readers'], usage: [] },
  rec_auditor: {
    db: { postgres: PUB, rec_appdb: ['CONNECT'] },
    member: [...MONITOR, 'pg_read_all_data', 'rec_readers'].sort(),
    usage: [...MONITOR, 'pg_read_all_data', 'rec_readers'].sort(),
  },
  rec_ops: {
    db: { postgres: PUB, rec_appdb: PUB },
    member: ['pg_read_all_data', 'rec_readers'],
    usage: ['pg_read_all_data', 'rec_readers'],
  },
  rec_owner: { db: { postgres: PUB, rec_appdb: ALL }, member: [], usage: [] },
  rec_readers: {
    db: { postgres: PUB, rec_appdb: ['CONNECT'] },
    member: ['pg_read_all_data'],
    usage: ['pg_read_all_data'],
  },
  rec_temp: { db: { postgres: PUB }, member: [], usage: [] },
};

export const permissions = (name: string, memberships = pg17) =>
  postgresPermissions({
    role: roles.find((r) => r.rolname === name)!,
    memberships,
    databases,
    databaseAcl: acl,
    serverVersion: '17.10',
    collectedAt: now,
  });
