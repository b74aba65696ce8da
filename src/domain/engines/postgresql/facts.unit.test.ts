// PostgreSQL permission facts from the rows recorded in test/support/postgresRoles.ts.
import { describe, expect, it } from 'vitest';
import { makeFacts } from '../model.js';
import { lockReasons, postgresPermissions } from './facts.js';
import {
  acl,
  ALL,
  databases,
  now,
  permissions,
  pg15,
  pg17,
  PUB,
  role,
  roles,
  serverTruth,
} from '../../../../test/support/postgresRoles.js';

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
