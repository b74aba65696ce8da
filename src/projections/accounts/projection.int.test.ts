import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EventStore } from '../../adapters/eventStore/port.js';
import { accountsStream, type InventoryAccount } from '../../domain/accounts/events.js';
import { diffFacts, foldLedger, inventoryChanges } from '../../domain/accounts/ledger.js';
import { makeFacts, type DbType, type PermissionFacts } from '../../domain/engines/model.js';
import { testMetadata } from '../../../test/support/eventFactory.js';
import { projectionSpec } from '../../../test/support/projectionSpec.js';
import { accountId, accountsProjection } from './projection.js';
import { accountChangeHistory, accountStatistics, getAccount, listAccountLedgers } from './queries.js';

const actor = { kind: 'user' as const, id: randomUUID() };

/** Account events built the way the account sync builds them: from the ledger fold of the stream. */
function accountEvents(store: EventStore) {
  const ledger = async (instanceId: string) =>
    foldLedger(
      (await store.readStream(accountsStream(instanceId))).map((e) => ({
        type: e.type,
        eventId: e.eventId,
        data: e.data,
        occurredAt: e.metadata.occurredAt,
      })),
    );
  const append = (instanceId: string, sessionId: string, at: string, type: string, data: unknown) =>
    store.append(
      accountsStream(instanceId),
      [
        {
          eventId: randomUUID(),
          type,
          schemaVersion: 1,
          data,
          metadata: testMetadata({ actor, occurredAt: at, sessionId, instanceId }),
        },
      ],
      { expectedRevision: 'any' },
    );
  return {
    async inventory(
      instanceId: string,
      dbType: DbType,
      sessionId: string,
      at: string,
      accounts: InventoryAccount[],
    ) {
      const changes = inventoryChanges(await ledger(instanceId), accounts);
      await append(instanceId, sessionId, at, 'InstanceInventorySynced', {
        instanceId,
        sessionId,
        dbType,
        accounts,
        ...changes,
      });
      return changes;
    },
    async permissions(
      instanceId: string,
      sessionId: string,
      at: string,
      facts: Record<string, PermissionFacts>,
    ) {
      const before = await ledger(instanceId);
      const accounts = Object.entries(facts).map(([username, f]) => {
        const previous = before.facts.get(username);
        return {
          username,
          facts: f,
          snapshot: {
            version: 4,
            db_type: f.db_type,
            categories: { global_privileges: f.privileges.global },
            type_specific: {},
            errors: [],
            meta: { collected_at: at, server_version: null },
          },
          diff: previous ? diffFacts(previous, f) : null,
        };
      });
      await append(instanceId, sessionId, at, 'PermissionsSynced', {
        instanceId,
        sessionId,
        accounts,
        errors: [],
      });
      return accounts.map((a) => a.diff);
    },
    async permissionsFailed(instanceId: string, sessionId: string, at: string) {
      await append(instanceId, sessionId, at, 'PermissionsFailed', {
        instanceId,
        sessionId,
        messageCode: 'PERMISSION_DENIED',
        message: 'SELECT command denied on mysql.global_priv',
      });
    },
    /** Restores the set that preceded the last inventory. */
    async revert(instanceId: string, sessionId: string, at: string) {
      const { inventories } = await ledger(instanceId);
      await append(instanceId, sessionId, at, 'InventoryReverted', {
        instanceId,
        sessionId,
        accounts: inventories[inventories.length - 2]!.accounts,
        revertedEventId: inventories[inventories.length - 1]!.eventId,
      });
    },
  };
}

const mysqlAccount = (username: string, extra: Partial<InventoryAccount> = {}): InventoryAccount => ({
  username,
  isSystem: false,
  locked: false,
  attributes: { plugin: 'mysql_native_password', account_locked: 'N' },
  ...extra,
});

describe('accounts projection', () => {
  const spec = projectionSpec(accountsProjection);

  it('projects inventories, permissions and reverts into accounts and a change log; equals a rebuild', async () => {
    const runner = spec.runner({ batchSize: 2 });
    const ev = accountEvents(spec.store);
    const i1 = randomUUID(); // MariaDB
    const i2 = randomUUID(); // PostgreSQL
    const [s1, s2, s3] = [randomUUID(), randomUUID(), randomUUID()];
    const t1 = '2026-11-20T10:00:00.000Z';
    const t1p = '2026-11-20T10:00:01.000Z';
    const t2 = '2026-11-21T10:00:00.000Z';
    const t2p = '2026-11-21T10:00:01.000Z';
    const t3 = '2026-11-22T10:00:00.000Z';
    const t3f = '2026-11-22T10:00:01.000Z';
    const t3r = '2026-11-22T10:00:05.000Z';

    const root = mysqlAccount('root@localhost');
    const sys = mysqlAccount('mysql.sys@localhost', {
      isSystem: true,
      locked: true,
      attributes: { plugin: 'mysql_native_password', account_locked: 'Y' },
    });
    const app = mysqlAccount('app@%', {
      attributes: { plugin: 'caching_sha2_password', account_locked: 'N' },
    });
    const report = mysqlAccount('report@%');
    const backup = mysqlAccount('backup@%');
    // Keys in another order than jsonb keeps them: the projection compares attributes key-order-free.
    const appLocked: InventoryAccount = {
      ...app,
      locked: true,
      attributes: { account_locked: 'Y', plugin: 'caching_sha2_password' },
    };

    const rootFacts = makeFacts('mysql', {
      capabilities: { SUPERUSER: ['GRANT ALL PRIVILEGES ON *.*'], GRANT_ADMIN: ['WITH GRANT OPTION'] },
      global: ['ALL PRIVILEGES'],
    });
    const sysFacts = makeFacts('mysql', { capabilities: { LOCKED: ['account_locked = Y'] } });
    const appFacts = makeFacts('mysql', { database: { appdb: ['SELECT', 'INSERT', 'UPDATE'] } });
    const appFacts2 = makeFacts('mysql', {
      capabilities: { LOCKED: ['account_locked = Y'] },
      database: { appdb: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] },
    });
    const reportFacts = makeFacts('mysql', { database: { appdb: ['SELECT'] } });
    const backupFacts = makeFacts('mysql', { global: ['LOCK TABLES', 'RELOAD', 'SELECT'] });

    // Day 1: first inventory and permissions of both instances.
    expect(await ev.inventory(i1, 'mysql', s1, t1, [root, sys, app, report])).toMatchObject({
      added: ['app@%', 'mysql.sys@localhost', 'report@%', 'root@localhost'],
    });
    expect(
      await ev.permissions(i1, s1, t1p, {
        'root@localhost': rootFacts,
        'mysql.sys@localhost': sysFacts,
        'app@%': appFacts,
        'report@%': reportFacts,
      }),
    ).toEqual([null, null, null, null]);
    await ev.inventory(i2, 'postgresql', s1, '2026-11-20T10:00:02.000Z', [
      { username: 'postgres', isSystem: true, locked: false, attributes: { rolcanlogin: true } },
      { username: 'alice_ro', isSystem: false, locked: false, attributes: { rolcanlogin: true } },
    ]);
    await ev.permissions(i2, s1, '2026-11-20T10:00:03.000Z', {
      postgres: makeFacts('postgresql', { capabilities: { SUPERUSER: ['rolsuper'] } }),
      alice_ro: makeFacts('postgresql', { roles: ['pg_read_all_data'] }),
    });

    await spec.catchUp(runner);
    const first = await listAccountLedgers(spec.db.knex, { instanceId: i1 }, { page: 1, limit: 10 });
    expect(first.items.map((a) => a.username)).toEqual([
      'app@%',
      'mysql.sys@localhost',
      'report@%',
      'root@localhost',
    ]);
    expect(first.items[0]).toMatchObject({
      id: accountId(i1, 'app@%'),
      db_type: 'mysql',
      is_active: true,
      first_seen_at: t1,
      last_seen_at: t1,
      permissions: { last_change_type: 'add', last_change_time: t1p, last_sync_time: t1p },
    });

    // Day 2: app is locked (inventory) and gains DELETE (permissions); backup appears; report is gone.
    expect(await ev.inventory(i1, 'mysql', s2, t2, [root, sys, appLocked, backup])).toEqual({
      added: ['backup@%'],
      changed: ['app@%'],
      deactivated: ['report@%'],
      reactivated: [],
    });
    const diffs = await ev.permissions(i1, s2, t2p, {
      'root@localhost': rootFacts,
      'mysql.sys@localhost': sysFacts,
      'app@%': appFacts2,
      'backup@%': backupFacts,
    });
    expect(diffs).toEqual([null, null, expect.objectContaining({ privileges: expect.any(Object) }), null]);

    // Day 3: report is back; the permissions phase fails; the inventory is reverted to day 2's set.
    expect(await ev.inventory(i1, 'mysql', s3, t3, [root, sys, appLocked, backup, report])).toMatchObject({
      added: [],
      reactivated: ['report@%'],
    });
    await ev.permissionsFailed(i1, s3, t3f);
    await spec.catchUp(runner);
    expect(await getAccount(spec.db.knex, accountId(i1, 'report@%'))).toMatchObject({
      is_active: true,
      deleted_at: null,
      last_seen_at: t3,
    });
    await ev.revert(i1, s3, t3r);
    await spec.catchUp(runner);

    // instance_accounts
    const report1 = await getAccount(spec.db.knex, accountId(i1, 'report@%'));
    expect(report1).toMatchObject({
      username: 'report@%',
      is_active: false,
      first_seen_at: t1,
      last_seen_at: t3,
      deleted_at: t3r,
      permissions: { last_change_type: 'add', last_change_time: t1p },
    });
    const app1 = (await getAccount(spec.db.knex, accountId(i1, 'app@%')))!;
    expect(app1).toMatchObject({
      id: accountId(i1, 'app@%'),
      instance_id: i1,
      is_active: true,
      is_locked: true,
      is_superuser: false,
      is_system: false,
      attributes: { plugin: 'caching_sha2_password', account_locked: 'Y' },
      first_seen_at: t1,
      last_seen_at: t3, // the revert restores, it does not see
      deleted_at: null,
      permissions: {
        last_change_type: 'modify_privilege',
        last_change_time: t2p,
        last_sync_time: t2p,
        facts: { capabilities: ['LOCKED'] },
        snapshot: { version: 4, db_type: 'mysql' },
      },
    });
    expect(app1.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await getAccount(spec.db.knex, accountId(i1, 'root@localhost'))).toMatchObject({
      is_superuser: true,
      permissions: { last_change_type: 'none', last_change_time: t1p, last_sync_time: t2p },
    });
    expect(await getAccount(spec.db.knex, accountId(i1, 'backup@%'))).toMatchObject({
      permissions: { last_change_type: 'add', last_change_time: t2p },
    });
    expect(await getAccount(spec.db.knex, randomUUID())).toBeUndefined();

    // account_change_log: event order, then username; ids numbered in that order.
    const log = await spec.db.knex('account_change_log').where({ instance_id: i1 }).orderBy('id').select<
      {
        id: string;
        username: string;
        change_type: string;
        change_time: Date;
        session_id: string;
        privilege_diff: unknown;
        other_diff: unknown;
      }[]
    >('id', 'username', 'change_type', 'change_time', 'session_id', 'privilege_diff', 'other_diff');
    expect(log.map((r) => [r.username, r.change_type, r.change_time.toISOString(), r.session_id])).toEqual([
      ['app@%', 'add', t1, s1],
      ['mysql.sys@localhost', 'add', t1, s1],
      ['report@%', 'add', t1, s1],
      ['root@localhost', 'add', t1, s1],
      ['app@%', 'modify_other', t2, s2],
      ['backup@%', 'add', t2, s2],
      ['report@%', 'delete', t2, s2],
      ['app@%', 'modify_privilege', t2p, s2],
      ['report@%', 'add', t3, s3],
      ['report@%', 'delete', t3r, s3],
    ]);
    const allIds = (await spec.db.knex('account_change_log').orderBy('id').pluck('id')) as string[];
    expect(allIds.map(Number)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(log[4]!.other_diff).toEqual({
      is_locked: { from: false, to: true },
      attributes: { account_locked: { from: 'N', to: 'Y' } },
    });
    expect(log[7]!.privilege_diff).toEqual({
      capabilities: { added: ['LOCKED'], removed: [] },
      roles: { added: [], removed: [] },
      privileges: { 'database:appdb': { added: ['DELETE'], removed: [] } },
    });
    expect(log[8]!.other_diff).toEqual({ reactivated: true });
    expect(log[0]!.privilege_diff).toBeNull();

    // Queries: filters, paging, history newest first, statistics.
    const page = { page: 1, limit: 10 };
    const names = async (filters: Parameters<typeof listAccountLedgers>[1], paging = page) => {
      const result = await listAccountLedgers(spec.db.knex, filters, paging);
      return { total: result.total, names: result.items.map((a) => a.username) };
    };
    expect(await names({ instanceId: i1 })).toEqual({
      total: 4,
      names: ['app@%', 'backup@%', 'mysql.sys@localhost', 'root@localhost'],
    });
    expect(await names({ instanceId: i1, includeDeleted: true })).toMatchObject({ total: 5 });
    expect(await names({ superuser: true })).toEqual({ total: 2, names: ['postgres', 'root@localhost'] });
    expect(await names({ locked: true })).toEqual({ total: 2, names: ['app@%', 'mysql.sys@localhost'] });
    expect(await names({ locked: false, instanceId: i1 })).toEqual({
      total: 2,
      names: ['backup@%', 'root@localhost'],
    });
    expect(await names({ search: 'RO' })).toEqual({ total: 2, names: ['alice_ro', 'root@localhost'] });
    expect(await names({ search: '@%' })).toEqual({ total: 2, names: ['app@%', 'backup@%'] });
    expect(await names({ search: '@%', includeDeleted: true })).toMatchObject({ total: 3 });
    expect(await names({ dbType: 'postgresql' })).toEqual({ total: 2, names: ['alice_ro', 'postgres'] });
    expect(await names({ instanceId: i1 }, { page: 2, limit: 3 })).toEqual({
      total: 4,
      names: ['root@localhost'],
    });

    const history = (await accountChangeHistory(spec.db.knex, accountId(i1, 'app@%'), page))!;
    expect(history.total).toBe(3);
    expect(history.items.map((h) => [h.change_type, h.change_time])).toEqual([
      ['modify_privilege', t2p],
      ['modify_other', t2],
      ['add', t1],
    ]);
    expect(history.items[0]).toMatchObject({ id: 10, instance_id: i1, username: 'app@%', session_id: s2 });
    expect(
      (await accountChangeHistory(spec.db.knex, accountId(i1, 'app@%'), { page: 2, limit: 2 }))!.items.map(
        (h) => h.change_type,
      ),
    ).toEqual(['add']);
    expect(
      (await accountChangeHistory(spec.db.knex, accountId(i1, 'report@%'), page))!.items.map(
        (h) => h.change_type,
      ),
    ).toEqual(['delete', 'add', 'delete', 'add']);
    expect(await accountChangeHistory(spec.db.knex, randomUUID(), page)).toBeUndefined();

    const stats = await accountStatistics(spec.db.knex);
    expect(stats).toMatchObject({ total: 7, active: 6, deleted: 1, locked: 2, superuser: 2, system: 2 });
    expect(stats.by_db_type).toEqual({
      mysql: { total: 5, active: 4, deleted: 1, locked: 2, superuser: 1, system: 1 },
      postgresql: { total: 2, active: 2, deleted: 0, locked: 0, superuser: 1, system: 1 },
    });
    expect(stats.by_instance).toHaveLength(2);
    expect(stats.by_instance.find((i) => i.instance_id === i2)).toEqual({
      instance_id: i2,
      instance_name: null, // no InstanceRegistered in this log
      db_type: 'postgresql',
      total: 2,
      active: 2,
      deleted: 0,
      locked: 0,
      superuser: 1,
      system: 1,
    });

    await spec.expectRebuildMatchesLive();
  });
});
