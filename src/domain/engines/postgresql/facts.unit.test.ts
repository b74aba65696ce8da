// Rows recorded from PostgreSQL 17.10 and 15.20 (the adapter's queries, written compactly below) for:
//   rec_dba LOGIN SUPERUSER; rec_ops LOGIN CREATEROLE REPLICATION BYPASSRLS; rec_readers NOLOGIN;
//   rec_analyst LOGIN NOINHERIT; rec_auditor LOGIN VALID UNTIL 2020-01-01; rec_temp VALID UNTIL 2999-01-01 12:30;
//   rec_owner LOGIN CREATEDB owns rec_appdb; REVOKE ALL ON DATABASE rec_appdb FROM PUBLIC;
//   GRANT CONNECT ON rec_appdb TO rec_readers; GRANT TEMPORARY ON rec_appdb TO rec_ops WITH GRANT OPTION;
//   GRANT pg_read_all_data TO rec_readers; GRANT pg_monitor TO rec_auditor;
//   GRANT rec_readers TO rec_analyst, rec_auditor; TO rec_ops WITH ADMIN OPTION; then, as rec_ops,
//   GRANT rec_readers TO rec_analyst again (17: a second row with grantor rec_ops; 15: a NOTICE, no row).
// `serverTruth` is what has_database_privilege() and pg_has_role() answered on both versions.
import { describe, expect, it } from 'vitest';
import { makeFacts } from '../model.js';
import {
  accountInfo,
  lockReasons,
  postgresPermissions,
  type PgDatabaseAclRow,
  type PgRoleRow,
} from './facts.js';
import { membershipsOf, type PgMembershipRow } from './memberships.js';

const now = new Date('2025-06-01T00:00:00Z');
const role = (rolname: string, attrs: Partial<PgRoleRow> = {}): PgRoleRow => ({
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
const roles = [
  role('rec_analyst', { rolinherit: false }),
  role('rec_auditor', { rolvaliduntil: '2020-01-01T00:00:00Z' }),
  role('rec_dba', { rolsuper: true }),
  role('rec_ops', { rolcreaterole: true, rolreplication: true, rolbypassrls: true }),
  role('rec_owner', { rolcreatedb: true }),
  role('rec_readers', { rolcanlogin: false }),
  role('rec_temp', { rolvaliduntil: '2999-01-01T12:30:00Z' }),
];
type Edge = [member: string, role: string, admin: boolean, inherit: boolean, grantor: string];
const edge = ([member, r, admin_option, inherit_option, grantor]: Edge): PgMembershipRow => ({
  member,
  role: r,
  admin_option,
  inherit_option,
  set_option: true,
  grantor,
});
const pg15: PgMembershipRow[] = (
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
const pg17 = [...pg15, edge(['rec_analyst', 'rec_readers', false, false, 'rec_ops'])];

type Acl = [db: string, privilege: string, grantee: string | null, grantable: boolean, grantor: string];
const acl: PgDatabaseAclRow[] = (
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
const databases = ['postgres', 'rec_appdb'];

const PUB = ['CONNECT', 'TEMPORARY'];
const ALL = ['CONNECT', 'CREATE', 'TEMPORARY'];
const MONITOR = ['pg_monitor', 'pg_read_all_settings', 'pg_read_all_stats', 'pg_stat_scan_tables'];
/** has_database_privilege(), pg_has_role(MEMBER) and pg_has_role(USAGE), the same on 15 and 17. */
const serverTruth: Record<string, { db: Record<string, string[]>; member: string[]; usage: string[] }> = {
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

const permissions = (name: string, memberships = pg17) =>
  postgresPermissions({
    role: roles.find((r) => r.rolname === name)!,
    memberships,
    databases,
    databaseAcl: acl,
    serverVersion: '17.10',
    collectedAt: now,
  });

describe('PostgreSQL permission facts', () => {
  it.each([
    ['15', pg15],
    ['17', pg17],
  ])('agree with what PostgreSQL %s answers for every non-superuser role', (_v, memberships) => {
    for (const [name, truth] of Object.entries(serverTruth)) {
      const { facts, snapshot } = permissions(name, memberships);
      expect({ name, db: facts.privileges.database, roles: facts.roles }).toEqual({
        name,
        db: truth.db,
        roles: truth.member,
      });
      const used = (snapshot.type_specific.memberships as { role: string; inherits_privileges: boolean }[])
        .filter((m) => m.inherits_privileges)
        .map((m) => m.role);
      expect({ name, used }).toEqual({ name, used: truth.usage });
    }
  });

  it('superuser: SUPERUSER and GRANT_ADMIN, every privilege on every database, even one whose ACL names nobody', () => {
    const p = postgresPermissions({
      role: roles.find((r) => r.rolname === 'rec_dba')!,
      memberships: pg17,
      databases: [...databases, 'empty_acl'],
      databaseAcl: acl,
      serverVersion: '17.10',
      collectedAt: now,
    });
    expect(p.facts).toEqual(
      makeFacts('postgresql', {
        capabilities: { SUPERUSER: ['rolsuper = true'], GRANT_ADMIN: ['superuser (rolsuper = true)'] },
        global: ['SUPERUSER', 'LOGIN'],
        database: { postgres: ALL, rec_appdb: ALL, empty_acl: ALL },
      }),
    );
    expect(p.snapshot.categories.database_privileges).toMatchObject({
      empty_acl: [
        { privilege: 'CONNECT', via: 'rolsuper' },
        { privilege: 'CREATE' },
        { privilege: 'TEMPORARY' },
      ],
    });
  });

  it('CREATEROLE: GRANT_ADMIN, and every true attribute in privileges.global', () => {
    expect(permissions('rec_ops').facts).toEqual(
      makeFacts('postgresql', {
        capabilities: { GRANT_ADMIN: ['rolcreaterole = true'] },
        roles: ['pg_read_all_data', 'rec_readers'],
        global: ['BYPASSRLS', 'CREATEROLE', 'LOGIN', 'REPLICATION'],
        database: { postgres: PUB, rec_appdb: PUB },
      }),
    );
    expect(permissions('rec_ops').snapshot.categories.database_privileges).toEqual({
      postgres: [
        { privilege: 'CONNECT', via: 'PUBLIC', grantable: false, grantor: 'postgres' },
        { privilege: 'TEMPORARY', via: 'PUBLIC', grantable: false, grantor: 'postgres' },
      ],
      rec_appdb: [
        { privilege: 'CONNECT', via: 'rec_readers', grantable: false, grantor: 'rec_owner' },
        { privilege: 'TEMPORARY', via: 'rec_ops', grantable: true, grantor: 'rec_owner' },
      ],
    });
  });

  it('NOLOGIN group role: LOCKED (rolcanlogin = false), no LOGIN in global', () => {
    expect(permissions('rec_readers').facts).toEqual(
      makeFacts('postgresql', {
        capabilities: { LOCKED: ['rolcanlogin = false'] },
        roles: ['pg_read_all_data'],
        database: { postgres: PUB, rec_appdb: ['CONNECT'] },
      }),
    );
  });

  it('expired: LOCKED with the date; a future VALID UNTIL is not a lock', () => {
    expect(permissions('rec_auditor').facts.capability_reasons).toEqual({
      LOCKED: ['rolvaliduntil 2020-01-01 has passed'],
    });
    expect(permissions('rec_temp').facts).toEqual(
      makeFacts('postgresql', { global: ['LOGIN'], database: { postgres: PUB } }),
    );
    const at = (rolvaliduntil: string | null) => lockReasons(role('x', { rolvaliduntil }), now);
    expect(at('2025-05-31T23:59:59Z')).toEqual(['rolvaliduntil 2025-05-31 23:59:59 UTC has passed']);
    expect(at('-infinity')).toEqual(['rolvaliduntil -infinity has passed']);
    expect(at('infinity')).toEqual([]);
    expect(at(null)).toEqual([]);
    expect(
      lockReasons(role('x', { rolcanlogin: false, rolvaliduntil: '2020-01-01T00:00:00Z' }), now),
    ).toEqual(['rolcanlogin = false', 'rolvaliduntil 2020-01-01 has passed']);
  });

  it('NOINHERIT member: member of the roles (direct and through them) but none of their privileges', () => {
    const { facts, snapshot } = permissions('rec_analyst');
    expect(facts.roles).toEqual(['pg_read_all_data', 'rec_readers']);
    expect(facts.privileges.database).toEqual({ postgres: PUB });
    expect(snapshot.type_specific.memberships).toEqual([
      {
        role: 'pg_read_all_data',
        direct: false,
        via: 'rec_readers',
        admin_option: false,
        inherit_option: true,
        set_option: true,
        grantors: ['postgres'],
        inherits_privileges: false,
      },
      {
        role: 'rec_readers',
        direct: true,
        via: null,
        admin_option: false,
        inherit_option: false,
        set_option: true,
        grantors: ['postgres', 'rec_ops'], // 17: two grants, merged
        inherits_privileges: false,
      },
    ]);
    expect(snapshot.categories.predefined_roles).toEqual([
      expect.objectContaining({ role: 'pg_read_all_data', direct: false }),
    ]);
  });

  it('owner: privileges from the ACL entries naming it (CREATEDB is a global attribute)', () => {
    expect(permissions('rec_owner').facts).toEqual(
      makeFacts('postgresql', { global: ['CREATEDB', 'LOGIN'], database: { postgres: PUB, rec_appdb: ALL } }),
    );
  });

  it('the snapshot: version 4, attributes, predefined roles through other roles, meta', () => {
    const { snapshot } = permissions('rec_auditor');
    expect(snapshot).toMatchObject({
      version: 4,
      db_type: 'postgresql',
      errors: [],
      meta: { collected_at: '2025-06-01T00:00:00.000Z', server_version: '17.10' },
      type_specific: { is_bootstrap_superuser: false },
    });
    const { rolname: _n, isBootstrap: _b, ...attributes } = roles[1]!;
    expect(snapshot.categories.role_attributes).toStrictEqual(attributes);
    expect(
      (snapshot.categories.predefined_roles as { role: string; via: string | null }[]).map((m) => [
        m.role,
        m.via,
      ]),
    ).toEqual([
      ['pg_monitor', null],
      ['pg_read_all_data', 'rec_readers'],
      ['pg_read_all_settings', 'pg_monitor'],
      ['pg_read_all_stats', 'pg_monitor'],
      ['pg_stat_scan_tables', 'pg_monitor'],
    ]);
  });

  it('catalogs that could not be read are carried as errors in facts and snapshot', () => {
    const errors = [{ item: 'pg_auth_members', code: 'PERMISSION_DENIED' as const, message: 'denied' }];
    const p = postgresPermissions({
      role: roles[0]!,
      memberships: [],
      databases,
      databaseAcl: acl,
      serverVersion: null,
      collectedAt: now,
      errors,
    });
    expect(p.facts.errors).toEqual(errors);
    expect(p.snapshot.errors).toEqual(errors);
    expect(p.facts.roles).toEqual([]);
  });
});

describe('PostgreSQL accounts and memberships', () => {
  it('account info: the bootstrap superuser is a system account; locked follows the lock reasons', () => {
    expect(accountInfo(role('postgres', { isBootstrap: true, rolsuper: true }), now)).toMatchObject({
      username: 'postgres',
      isSystem: true,
      locked: false,
      attributes: { rolsuper: true, is_bootstrap_superuser: true },
    });
    expect(accountInfo(roles[1]!, now)).toMatchObject({ isSystem: false, locked: true });
    expect(accountInfo(roles[5]!, now)).toMatchObject({ locked: true, attributes: { rolcanlogin: false } });
  });

  it('memberships: the shortest path wins, cycles and unknown members are harmless', () => {
    const edges = [
      edge(['a', 'b', false, true, 'x']),
      edge(['b', 'c', false, true, 'x']),
      edge(['a', 'c', true, false, 'x']),
      edge(['c', 'a', false, true, 'x']),
    ];
    expect(membershipsOf('a', edges).map((m) => [m.role, m.direct, m.via, m.inherits_privileges])).toEqual([
      ['b', true, null, true],
      ['c', true, null, true], // not through its own grant (inherit false), but through b
    ]);
    expect(membershipsOf('nobody', edges)).toEqual([]);
  });
});
