import { describe, expect, it } from 'vitest';
import {
  makeFacts,
  type AccountPermissions,
  type ItemError,
  type PermissionFacts,
  type PermissionsCollected,
} from '../engines/model.js';
import { permissionChanges, withoutDatabases } from './permissionChanges.js';

const superuser = makeFacts('mysql', {
  capabilities: {
    SUPERUSER: ['ALL PRIVILEGES ON *.* includes SUPER'],
    GRANT_ADMIN: ['WITH GRANT OPTION on *.*'],
  },
  global: ['ALL PRIVILEGES', 'GRANT OPTION'],
});
const reader = makeFacts('mysql', { database: { app: ['SELECT'] } });
const item = (username: string, facts: PermissionFacts): AccountPermissions => ({
  username,
  facts,
  snapshot: {
    version: 4,
    db_type: facts.db_type,
    categories: {},
    type_specific: {},
    errors: [],
    meta: {} as never,
  },
});
const timeout = (account: string): ItemError => ({
  item: `account ${account} grants`,
  code: 'DATABASE_TIMEOUT',
  message: 'Query inactivity timeout',
  account,
});
const run = (previous: Record<string, PermissionFacts>, accounts: string[], snapshot: PermissionsCollected) =>
  permissionChanges({ previous: new Map(Object.entries(previous)), accounts, snapshot });

describe('permissionChanges', () => {
  it('first sight has no diff; a change is a diff; no change is null', () => {
    const changes = run({ b: reader }, ['a', 'b', 'c'], {
      items: [
        item('a', superuser),
        item('b', makeFacts('mysql', { database: { app: ['INSERT', 'SELECT'] } })),
        item('c', reader),
      ],
      errors: [],
    });
    expect(changes.entries.map((e) => [e.username, e.diff])).toEqual([
      ['a', null],
      [
        'b',
        {
          capabilities: { added: [], removed: [] },
          roles: { added: [], removed: [] },
          privileges: { 'database:app': { added: ['INSERT'], removed: [] } },
        },
      ],
      ['c', null],
    ]);
    expect(changes.unread).toEqual([]);
  });

  it('an account whose own read failed keeps its facts: no entry, an unread account with the code', () => {
    const changes = run({ root: superuser, app: reader }, ['app', 'root'], {
      items: [item('app', reader)],
      errors: [timeout('root')],
    });
    expect(changes.entries.map((e) => e.username)).toEqual(['app']);
    expect(changes.entries[0]!.diff).toBeNull();
    expect(changes.unread).toEqual([
      { username: 'root', code: 'DATABASE_TIMEOUT', item: 'account root grants' },
    ]);
  });

  it('accounts left out while a catalog error says why are unread; left out unexplained (dropped meanwhile) are not', () => {
    const denied: ItemError = { item: 'dba_role_privs', code: 'PERMISSION_DENIED', message: 'ORA-00942' };
    expect(
      run({}, ['A', 'B', 'COLLECTOR'], { items: [item('COLLECTOR', reader)], errors: [denied] }).unread,
    ).toEqual([
      { username: 'A', code: 'PERMISSION_DENIED', item: 'dba_role_privs' },
      { username: 'B', code: 'PERMISSION_DENIED', item: 'dba_role_privs' },
    ]);
    expect(run({ gone: reader }, ['gone', 'x'], { items: [item('x', reader)], errors: [] }).unread).toEqual(
      [],
    );
  });

  it('facts missing a catalog the earlier facts had are not compared: the earlier facts stay', () => {
    const denied: ItemError = {
      item: 'pg_auth_members',
      code: 'PERMISSION_DENIED',
      message: 'permission denied',
    };
    const before = makeFacts('postgresql', { roles: ['app_owner'], global: ['LOGIN'] });
    const partial = makeFacts('postgresql', { global: ['LOGIN'], errors: [denied] });
    const changes = run({ alice: before }, ['alice'], { items: [item('alice', partial)], errors: [denied] });
    expect(changes.entries).toEqual([]);
    expect(changes.unread).toEqual([
      { username: 'alice', code: 'PERMISSION_DENIED', item: 'pg_auth_members' },
    ]);
  });

  it('the same catalog unread both times: the rest is compared as usual', () => {
    const denied: ItemError = {
      item: 'database hrdb permissions',
      code: 'PERMISSION_DENIED',
      message: 'HAS_DBACCESS = 0',
    };
    const before = makeFacts('sqlserver', { server: ['VIEW SERVER STATE'], errors: [denied] });
    const after = makeFacts('sqlserver', { server: [], errors: [denied] });
    const [entry] = run({ l: before }, ['l'], { items: [item('l', after)], errors: [denied] }).entries;
    expect(entry?.diff?.privileges).toEqual({ server: { added: [], removed: ['VIEW SERVER STATE'] } });
  });

  it('facts read more completely than before are recorded without a diff', () => {
    const denied: ItemError = {
      item: 'pg_auth_members',
      code: 'PERMISSION_DENIED',
      message: 'permission denied',
    };
    const before = makeFacts('postgresql', { global: ['LOGIN'], errors: [denied] });
    const after = makeFacts('postgresql', { roles: ['app_owner'], global: ['LOGIN'] });
    const changes = run({ alice: before }, ['alice'], { items: [item('alice', after)], errors: [] });
    expect(changes.entries.map((e) => [e.username, e.diff])).toEqual([['alice', null]]);
  });

  it("a vanished database is named once and is no account's privilege change", () => {
    const before = makeFacts('postgresql', {
      database: { app: ['CONNECT'], gone: ['CONNECT', 'TEMPORARY'] },
    });
    const after = makeFacts('postgresql', { database: { app: ['CONNECT'] } });
    const changes = run({ a: before, b: before }, ['a', 'b'], {
      items: [item('a', after), item('b', after)],
      errors: [],
      databases: ['app', 'postgres'],
    });
    expect(changes.vanishedDatabases).toEqual(['gone']);
    expect(changes.entries.map((e) => e.diff)).toEqual([null, null]);
  });

  it('without a database list (MySQL grants outlive databases) nothing vanishes: a revoke is a diff', () => {
    const before = makeFacts('mysql', { database: { app: ['SELECT'], old: ['SELECT'] } });
    const after = makeFacts('mysql', { database: { app: ['SELECT'] } });
    const changes = run({ a: before }, ['a'], { items: [item('a', after)], errors: [] });
    expect(changes.vanishedDatabases).toEqual([]);
    expect(changes.entries[0]!.diff?.privileges).toEqual({
      'database:old': { added: [], removed: ['SELECT'] },
    });
  });

  it('withoutDatabases drops those databases, and on SQL Server their db:role memberships', () => {
    const facts = makeFacts('sqlserver', {
      roles: ['sysadmin', 'gone:db_owner', 'app:db_datareader'],
      database: { gone: ['CONNECT'], app: ['CONNECT'] },
    });
    const left = withoutDatabases(facts, new Set(['gone']));
    expect(left.roles).toEqual(['app:db_datareader', 'sysadmin']);
    expect(left.privileges.database).toEqual({ app: ['CONNECT'] });
    const pg = makeFacts('postgresql', { roles: ['gone:x'], database: { gone: ['CONNECT'] } });
    expect(withoutDatabases(pg, new Set(['gone'])).roles).toEqual(['gone:x']);
  });
});
