import { describe, expect, it } from 'vitest';
import { permissionChanges } from '../../../domain/accounts/permissionChanges.js';
import { EngineError } from '../port.js';
import { oracleAdapterOn } from './oracleAdapter.js';
import type { OracleRow, OracleRunner } from './oraclePoolRunner.js';
import * as q from './queries.js';

type Answer = OracleRow[] | Error;
const queryNames = new Map<string, string>();
for (const [name, sql] of Object.entries(q)) queryNames.set(sql, name);

/** Answers each catalog query by its name in queries.ts; records the binds. */
function recordedDatabase(answers: Record<string, Answer>) {
  const state = { closed: false, calls: [] as string[], binds: [] as unknown[] };
  const runner: OracleRunner = {
    query(sql, binds) {
      const name = queryNames.get(sql) ?? sql;
      state.calls.push(name);
      if (binds) state.binds.push(binds);
      const answer = answers[name];
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer ?? []);
    },
    serverVersion: () => Promise.resolve('19.24.0.0.0'),
    close() {
      state.closed = true;
      return Promise.resolve();
    },
  };
  const adapter = oracleAdapterOn(runner, { secrets: ['pw'], now: () => new Date('2025-11-21T01:00:00Z') });
  return { adapter, state };
}

const ora = (code: string, text: string) =>
  Object.assign(
    new Error(`${code}: ${text}\nHelp: https://docs.oracle.com/error-help/db/${code.toLowerCase()}/`),
    {
      code,
      errorNum: Number(code.slice(4)),
    },
  );
const noView = () => ora('ORA-00942', 'table or view does not exist');

const userRow = (name: string, status: string | null, maintained: string | null = 'N'): OracleRow => ({
  USERNAME: name,
  ACCOUNT_STATUS: status,
  DEFAULT_TABLESPACE: status ? 'USERS' : null,
  PROFILE: status ? 'DEFAULT' : null,
  AUTHENTICATION_TYPE: status ? 'PASSWORD' : null,
  ORACLE_MAINTAINED: maintained,
  LOCK_DATE: null,
  EXPIRY_DATE: null,
});

// Recorded from an Oracle 19c PDB, collector granted SELECT_CATALOG_ROLE.
const dbaCatalog: Record<string, Answer> = {
  USERS: [userRow('SYS', 'OPEN', 'Y'), userRow('ALICE_DBA', 'OPEN'), userRow('COLLECTOR', 'OPEN')],
  ROLE_PRIVS: [
    { GRANTEE: 'ALICE_DBA', GRANTED_ROLE: 'DBA', ADMIN_OPTION: 'NO', DEFAULT_ROLE: 'YES' },
    { GRANTEE: 'COLLECTOR', GRANTED_ROLE: 'SELECT_CATALOG_ROLE', ADMIN_OPTION: 'NO', DEFAULT_ROLE: 'YES' },
  ],
  SYS_PRIVS: [
    { GRANTEE: 'DBA', PRIVILEGE: 'GRANT ANY PRIVILEGE', ADMIN_OPTION: 'YES' },
    { GRANTEE: 'COLLECTOR', PRIVILEGE: 'CREATE SESSION', ADMIN_OPTION: 'NO' },
  ],
  TAB_PRIVS: [],
  TS_QUOTAS: [{ USERNAME: 'ALICE_DBA', TABLESPACE_NAME: 'USERS', BYTES: 0, MAX_BYTES: -1 }],
  TABLESPACES: [
    { TABLESPACE_NAME: 'SYSTEM', CONTENTS: 'PERMANENT', STATUS: 'ONLINE' },
    { TABLESPACE_NAME: 'USERS', CONTENTS: 'PERMANENT', STATUS: 'ONLINE' },
  ],
  DATA_FILES: [
    { TABLESPACE_NAME: 'SYSTEM', BYTES: 943718400 },
    { TABLESPACE_NAME: 'USERS', BYTES: 5242880 },
  ],
  FREE_SPACE: [{ TABLESPACE_NAME: 'USERS', BYTES: 4194304 }],
  TABLE_SEGMENTS: [
    { OWNER: 'APP', TABLE_NAME: 'ORDERS', DATA_BYTES: 2097152, INDEX_BYTES: 1048576, NUM_ROWS: 42 },
  ],
};

// The same database, collector with CREATE SESSION only.
const unprivileged: Record<string, Answer> = {
  USERS: noView(),
  ALL_USERS: [userRow('SYS', null, 'Y'), userRow('ALICE_DBA', null), userRow('COLLECTOR', null)],
  ROLE_PRIVS: noView(),
  CURRENT_USER: [userRow('COLLECTOR', 'OPEN', null)],
  OWN_ROLE_PRIVS: [
    { GRANTEE: 'COLLECTOR', GRANTED_ROLE: 'CONNECT', ADMIN_OPTION: 'NO', DEFAULT_ROLE: 'YES' },
  ],
  OWN_SYS_PRIVS: [{ GRANTEE: 'CONNECT', PRIVILEGE: 'CREATE SESSION', ADMIN_OPTION: 'NO' }],
  OWN_TS_QUOTAS: [],
  TABLESPACES: noView(),
  USER_TABLESPACES: [{ TABLESPACE_NAME: 'USERS', CONTENTS: 'PERMANENT', STATUS: 'ONLINE' }],
  DATA_FILES: noView(),
  TABLE_SEGMENTS: noView(),
};

describe('Oracle adapter over recorded catalog rows', () => {
  it('tests the connection and reports the version the server announced', async () => {
    const { adapter, state } = recordedDatabase(dbaCatalog);
    const test = await adapter.testConnection();
    expect(test.version).toBe('Oracle Database 19.24.0.0.0');
    expect(state.calls).toEqual(['PING']);
  });

  it('reads every user’s permissions from the DBA views', async () => {
    const { adapter } = recordedDatabase(dbaCatalog);
    const { items, errors } = await adapter.permissionSnapshot();
    expect(errors).toEqual([]);
    expect(items.map((i) => i.username)).toEqual(['SYS', 'ALICE_DBA', 'COLLECTOR']);
    const alice = items[1];
    expect(alice?.facts.capabilities).toEqual(['SUPERUSER', 'GRANT_ADMIN']);
    expect(alice?.facts.privileges.tablespace).toEqual({ USERS: ['QUOTA UNLIMITED'] });
    expect(alice?.snapshot.meta).toEqual({
      collected_at: '2025-11-21T01:00:00.000Z',
      server_version: 'Oracle Database 19.24.0.0.0',
    });
  });

  it('on 11g (no ORACLE_MAINTAINED, no DBA_TAB_PRIVS.TYPE) falls back to the older columns', async () => {
    const badColumn = () => ora('ORA-00904', '"ORACLE_MAINTAINED": invalid identifier');
    const { adapter, state } = recordedDatabase({
      ...dbaCatalog,
      USERS: badColumn(),
      USERS_11G: [userRow('OUTLN', 'EXPIRED & LOCKED', null), userRow('SCOTT', 'OPEN', null)],
      TAB_PRIVS: ora('ORA-00904', '"P"."TYPE": invalid identifier'),
      TAB_PRIVS_11G: [],
    });
    const accounts = await adapter.listAccounts();
    expect(accounts.errors).toEqual([]);
    expect(accounts.items.map((a) => [a.username, a.isSystem, a.locked])).toEqual([
      ['OUTLN', true, true],
      ['SCOTT', false, false],
    ]);
    const snapshot = await adapter.permissionSnapshot();
    expect(snapshot.errors).toEqual([]);
    expect(state.calls).toContain('TAB_PRIVS_11G');
  });

  it('a collector without DBA views gets all_users, its own privileges, and ItemErrors', async () => {
    const { adapter } = recordedDatabase(unprivileged);
    const accounts = await adapter.listAccounts();
    expect(accounts.items.map((a) => [a.username, a.locked, a.attributes.account_status])).toEqual([
      ['SYS', false, null],
      ['ALICE_DBA', false, null],
      ['COLLECTOR', false, null],
    ]);
    expect(accounts.errors).toEqual([
      {
        item: 'dba_users',
        code: 'PERMISSION_DENIED',
        message:
          'ORA-00942: table or view does not exist; accounts listed from all_users, their status unknown',
      },
    ]);

    const snapshot = await adapter.permissionSnapshot();
    expect(snapshot.items.map((i) => i.username)).toEqual(['COLLECTOR']);
    expect(snapshot.items[0]?.facts.roles).toEqual(['CONNECT']);
    expect(snapshot.items[0]?.facts.privileges.system).toEqual(['CREATE SESSION']);
    expect(snapshot.errors.map((e) => [e.item, e.code])).toEqual([['dba_role_privs', 'PERMISSION_DENIED']]);
    expect(snapshot.errors[0]?.message).toContain("only the collector's own roles");
    expect(snapshot.items[0]?.facts.errors).toEqual(snapshot.errors);
  });

  it('without DBA views: tablespaces from user_tablespaces, sizes and segments as ItemErrors', async () => {
    const { adapter } = recordedDatabase(unprivileged);
    const dbs = await adapter.listDatabases();
    expect(dbs.items).toEqual([{ name: 'USERS', isSystem: false }]);
    expect(dbs.errors.map((e) => e.item)).toEqual(['dba_tablespaces']);
    expect(await adapter.databaseSizes()).toEqual({
      items: [],
      errors: [
        {
          item: 'dba_data_files',
          code: 'PERMISSION_DENIED',
          message: 'ORA-00942: table or view does not exist',
        },
      ],
    });
    const tables = await adapter.tableSizes('USERS');
    expect(tables.items).toEqual([]);
    expect(tables.errors.map((e) => [e.item, e.code])).toEqual([
      ['tablespace USERS table sizes', 'PERMISSION_DENIED'],
    ]);
  });

  it('lists tablespaces, their sizes and their tables', async () => {
    const { adapter, state } = recordedDatabase({
      ...dbaCatalog,
      FREE_SPACE: ora('ORA-01031', 'insufficient privileges'),
    });
    expect((await adapter.listDatabases()).items).toEqual([
      { name: 'SYSTEM', isSystem: true },
      { name: 'USERS', isSystem: false },
    ]);
    const sizes = await adapter.databaseSizes();
    expect(sizes.items).toEqual([
      { databaseName: 'SYSTEM', sizeMb: 900, dataSizeMb: null, logSizeMb: null },
      { databaseName: 'USERS', sizeMb: 5, dataSizeMb: null, logSizeMb: null },
    ]);
    expect(sizes.errors.map((e) => e.item)).toEqual(['dba_free_space']);
    const tables = await adapter.tableSizes('USERS');
    expect(tables.items).toEqual([
      { schemaName: 'APP', tableName: 'ORDERS', sizeMb: 3, dataSizeMb: 2, indexSizeMb: 1, rowCount: 42 },
    ]);
    expect(state.binds).toEqual([{ tablespace: 'USERS' }]);
  });

  it('a timeout is an ItemError without fallback; a lost connection fails the operation', async () => {
    const slow = recordedDatabase({
      ...dbaCatalog,
      USERS: Object.assign(new Error('NJS-123: call timeout of 30000 ms exceeded'), { code: 'NJS-123' }),
    });
    const accounts = await slow.adapter.listAccounts();
    expect(accounts.items).toEqual([]);
    expect(accounts.errors.map((e) => e.code)).toEqual(['DATABASE_TIMEOUT']);
    expect(slow.state.calls).not.toContain('ALL_USERS');

    const lost = recordedDatabase({
      ...dbaCatalog,
      ROLE_PRIVS: Object.assign(new Error('NJS-500: connection to Oracle Database was closed or broken'), {
        code: 'NJS-500',
      }),
    });
    await expect(lost.adapter.permissionSnapshot()).rejects.toBeInstanceOf(EngineError);
  });

  it('an unread quota or role catalog is carried by every user, who keeps the earlier facts', async () => {
    const timeout = () =>
      Object.assign(new Error('NJS-123: call timeout of 30000 ms exceeded'), { code: 'NJS-123' });
    const clean = await recordedDatabase(dbaCatalog).adapter.permissionSnapshot();
    const previous = new Map(clean.items.map((i) => [i.username, i.facts]));
    expect(previous.get('ALICE_DBA')?.privileges.tablespace).toEqual({ USERS: ['QUOTA UNLIMITED'] });
    const slowQuotas = await recordedDatabase({
      ...dbaCatalog,
      TS_QUOTAS: timeout(),
    }).adapter.permissionSnapshot();
    expect(slowQuotas.items.find((i) => i.username === 'ALICE_DBA')?.facts.privileges.tablespace).toEqual({});
    const changes = permissionChanges({ previous, accounts: [...previous.keys()], snapshot: slowQuotas });
    expect(changes.entries).toEqual([]);
    expect(changes.unread.map((u) => [u.username, u.code, u.item])).toEqual(
      ['ALICE_DBA', 'COLLECTOR', 'SYS'].map((u) => [u, 'DATABASE_TIMEOUT', 'dba_ts_quotas']),
    );
    // Without the DBA role views only the collector is read: every other user is unread, not emptied.
    const own = await recordedDatabase({ ...dbaCatalog, ROLE_PRIVS: noView() }).adapter.permissionSnapshot();
    const fallback = permissionChanges({ previous, accounts: [...previous.keys()], snapshot: own });
    expect(fallback.unread.map((u) => [u.username, u.code])).toEqual([
      ['ALICE_DBA', 'PERMISSION_DENIED'],
      ['COLLECTOR', 'PERMISSION_DENIED'],
      ['SYS', 'PERMISSION_DENIED'],
    ]);
  });

  it('close() closes the pool', async () => {
    const { adapter, state } = recordedDatabase(dbaCatalog);
    await adapter.close();
    expect(state.closed).toBe(true);
  });
});
