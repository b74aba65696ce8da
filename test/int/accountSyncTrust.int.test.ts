// What an account sync may claim, against the local MariaDB through the fault proxy (issue 10, A1/A2):
// a permission read that timed out is not a revocation; a collector that lost its rights on mysql.* is
// not every account deleted; an inventory deactivating most of an instance's accounts waits for an
// operator's confirmation.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineAdapter } from '../../src/adapters/engines/index.js';
import type { ConnectionParams, EngineAdapter } from '../../src/adapters/engines/port.js';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { validatingEventStore } from '../../src/adapters/eventStore/validatingEventStore.js';
import { generateKey } from '../../src/adapters/keyring/keyring.js';
import { makeRunAccountSync, type AccountSyncDeps } from '../../src/commands/sync/runAccountSync.js';
import { loadSession } from '../../src/commands/sync/sessionWriter.js';
import { syncInstanceAccounts, toLedgerEvents } from '../../src/commands/sync/syncInstanceAccounts.js';
import { accountsStream } from '../../src/domain/accounts/events.js';
import { foldLedger } from '../../src/domain/accounts/ledger.js';
import { createEventRegistry } from '../../src/domain/eventTypes.js';
import { createLogger } from '../../src/logger.js';
import { accountsProjection } from '../../src/projections/accounts/projection.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy.js';
import { createCollector, dropCollector } from '../support/mariadbCollector.js';
import { registerInstance } from '../support/registeredInstance.js';
import { mysqlService, titled } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';

const service = mysqlService();
const p = `wft_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_collector`, password: `Coll-${p}-pw` };
const victim = `${p}_victim`;
const ctx = { actor: { kind: 'user' as const, id: 'tester' }, correlationId: 'c', now: new Date() };
const logger = createLogger({ level: 'silent' });
const QUERY_TIMEOUT_MS = 1500;
const hosts = ['%', 'localhost', '127.0.0.1'];
/** Accounts the guard tests drop: 5 of the 9 known (victim, collector on three hosts, these). */
const G = [1, 2, 3, 4, 5];

describe.skipIf(!service.url)(
  titled('account sync: what it may claim (MariaDB via the fault proxy)', service),
  () => {
    let db: TestDatabase;
    let raw: PostgresEventStore;
    let store: ReturnType<typeof validatingEventStore>;
    let root: mysql.Connection;
    let proxy: FaultProxy;
    let instanceId: string;
    let params: ConnectionParams;
    let deps: AccountSyncDeps;
    const ring = { current: generateKey(), previous: [] };

    // Only this file's accounts (the collector's three included): other tests create and drop accounts
    // on the same server meanwhile.
    const ours = (name: string) => name.startsWith(p);
    const onlyOurs = (real: EngineAdapter): EngineAdapter => ({
      ...real,
      dbType: real.dbType,
      close: () => real.close(),
      listAccounts: async () => {
        const all = await real.listAccounts();
        return { ...all, items: all.items.filter((a) => ours(a.username)) };
      },
      permissionSnapshot: async () => {
        const all = await real.permissionSnapshot();
        return {
          ...all,
          items: all.items.filter((a) => ours(a.username)),
          errors: all.errors.filter((e) => e.account === undefined || ours(e.account)),
        };
      },
    });
    const adapter = () =>
      onlyOurs(
        createEngineAdapter(
          { ...params, host: proxy.host, port: proxy.port },
          { queryTimeoutMs: QUERY_TIMEOUT_MS },
        ),
      );

    beforeAll(async () => {
      root = await mysql.createConnection({ uri: service.url! });
      await createCollector(root, collector.user, collector.password);
      await root.query('CREATE USER ?@? IDENTIFIED BY ?', [victim, '%', 'x-Victim-1']);
      await root.query('GRANT ALL ON *.* TO ?@? WITH GRANT OPTION', [victim, '%']);
      for (const n of G) await root.query('CREATE USER ?@? IDENTIFIED BY ?', [`${p}_g${n}`, '%', 'x-G-1']);
      const u = new URL(service.url!);
      proxy = await startFaultProxy({ host: u.hostname, port: Number(u.port || 3306) });

      db = await createTestDatabase();
      raw = new PostgresEventStore(db.pool);
      store = validatingEventStore(raw, createEventRegistry());
      instanceId = await registerInstance(
        { db, store, keyring: () => ring },
        { name: 'maria', dbType: 'mysql', url: u, username: collector.user, password: collector.password },
        ctx,
      );
      deps = {
        knex: db.knex,
        pool: db.pool,
        store,
        keyring: () => ring,
        logger,
        adapterFor: (_row, connection) => {
          params = connection;
          return adapter();
        },
      };
    });

    afterAll(async () => {
      await proxy?.close();
      await raw?.close();
      await db?.drop();
      await root.query('DROP USER IF EXISTS ?@?', [victim, '%']);
      for (const n of G) await root.query('DROP USER IF EXISTS ?@?', [`${p}_g${n}`, '%']);
      await dropCollector(root, collector.user);
      await root.end();
    });

    const sync = async () => {
      const started = await makeRunAccountSync(deps)({ instanceIds: [instanceId] }, 'manual_single', ctx);
      await started.done;
      const { state, history } = await loadSession(raw, started.sessionId);
      const outcome = history.find(
        (e) => e.type === 'InstanceSyncCompleted' || e.type === 'InstanceSyncFailed',
      );
      return { status: state.status, outcome: outcome?.type, data: outcome?.data as Record<string, unknown> };
    };
    const events = () => raw.readStream(accountsStream(instanceId));
    const ledger = async () => foldLedger(toLedgerEvents(await events()));
    const changeLog = async (username: string) => {
      await new ProjectionRunner({
        projection: accountsProjection,
        store: raw,
        knex: db.knex,
        logger,
      }).catchUp();
      return db
        .knex('account_change_log')
        .where({ instance_id: instanceId, username })
        .orderBy('id')
        .select<{ change_type: string; privilege_diff: unknown }[]>('change_type', 'privilege_diff');
    };

    it('A1: a SHOW GRANTS past the query timeout keeps the facts: an item error, no diff, no change-log row', async () => {
      expect((await sync()).status).toBe('completed');
      const before = (await ledger()).facts.get(`${victim}@%`);
      expect(before?.privileges.global).toEqual(['ALL PRIVILEGES', 'GRANT OPTION']);
      expect(before?.capabilities).toEqual(['SUPERUSER', 'GRANT_ADMIN']);

      // Every SHOW GRANTS goes in one batch (mysqlBatch.ts): the stall holds the batch, whose unanswered
      // statements are then sent one by one; the victim's stalls again and is the one that timed out.
      const showGrants = `SHOW GRANTS FOR '${victim}'@'%'`;
      proxy.stall(showGrants, { times: 2 });
      const stalled = await sync();
      expect(proxy.hits(showGrants)).toBe(2);
      proxy.release();
      expect(stalled.status).toBe('completed');
      expect(stalled.data.details).toMatchObject({
        itemErrors: 1,
        privilegesModified: 0,
        unreadAccounts: [{ username: `${victim}@%`, code: 'DATABASE_TIMEOUT' }],
      });
      const last = (await events()).at(-1)!;
      expect(last.type).toBe('PermissionsSynced');
      const data = last.data as { accounts: { username: string }[]; unread: unknown[]; errors: unknown[] };
      expect(data.accounts.map((a) => a.username)).not.toContain(`${victim}@%`);
      expect(data.unread).toEqual([
        { username: `${victim}@%`, code: 'DATABASE_TIMEOUT', item: `account ${victim}@% grants` },
      ]);
      expect((await ledger()).facts.get(`${victim}@%`)).toEqual(before);
      // The read tables say the same: the facts are the earlier ones, and the change log has no entry.
      expect((await changeLog(`${victim}@%`)).map((r) => r.change_type)).toEqual(['add']);
      const permission = await db
        .knex('account_permission')
        .where({ instance_id: instanceId, username: `${victim}@%` })
        .first<{ permission_facts: unknown; is_superuser: boolean }>('permission_facts', 'is_superuser');
      expect(permission).toEqual({ permission_facts: before, is_superuser: true });

      // The next clean read is no change either: nothing was removed, so nothing is added back.
      expect((await sync()).data.details).toMatchObject({
        itemErrors: 0,
        privilegesModified: 0,
        unreadAccounts: [],
      });
      expect((await changeLog(`${victim}@%`)).map((r) => r.change_type)).toEqual(['add']);
      const diffs = (await events())
        .filter((e) => e.type === 'PermissionsSynced')
        .flatMap((e) => (e.data as { accounts: { username: string; diff: unknown }[] }).accounts)
        .filter((a) => a.username === `${victim}@%`)
        .map((a) => a.diff);
      expect(diffs).toEqual([null, null]);
    });

    it('A2: a collector that lost SELECT on mysql.* fails the inventory with PERMISSION_DENIED and deactivates nothing', async () => {
      expect((await sync()).status).toBe('completed');
      const count = (await events()).length;
      const active = [...(await ledger()).accounts.keys()];
      for (const host of hosts) await root.query('REVOKE SELECT ON mysql.* FROM ?@?', [collector.user, host]);
      try {
        const denied = await sync();
        expect(denied.status).toBe('failed');
        expect(denied.outcome).toBe('InstanceSyncFailed');
        expect(denied.data).toMatchObject({ phase: 'inventory', messageCode: 'PERMISSION_DENIED' });
        expect(denied.data.message).toContain('mysql.user');
        expect((await events()).length).toBe(count);
        expect([...(await ledger()).accounts.keys()]).toEqual(active);
      } finally {
        for (const host of hosts) await root.query('GRANT SELECT ON mysql.* TO ?@?', [collector.user, host]);
      }
    });

    it('A2 guard: an inventory deactivating 5 of 9 accounts fails with INVENTORY_GUARD_TRIPPED and appends nothing, until confirmed', async () => {
      expect((await sync()).status).toBe('completed');
      expect((await ledger()).accounts.size).toBe(9);
      const count = (await events()).length;
      for (const n of G) await root.query('DROP USER ?@?', [`${p}_g${n}`, '%']);

      const tripped = await sync();
      expect(tripped.status).toBe('failed');
      expect(tripped.data).toMatchObject({ phase: 'inventory', messageCode: 'INVENTORY_GUARD_TRIPPED' });
      expect(tripped.data.message).toContain('would deactivate 5 of 9 known accounts');
      expect(tripped.data.message).toContain('INVENTORY_MAX_DEACTIVATE_PERCENT (50 %)');
      expect((await events()).length).toBe(count);

      // The limit is the caller's: 60 % lets 5 of 9 through.
      const looser = await makeRunAccountSync(deps, { maxDeactivatePercent: 60 })(
        { instanceIds: [instanceId] },
        'manual_single',
        ctx,
      );
      await looser.done;
      expect((await ledger()).accounts.size).toBe(4);
    });

    it('A2 guard: confirmDeactivation applies the inventory and says it was confirmed', async () => {
      for (const n of G) await root.query('CREATE USER ?@? IDENTIFIED BY ?', [`${p}_g${n}`, '%', 'x-G-1']);
      expect((await sync()).status).toBe('completed');
      for (const n of G) await root.query('DROP USER ?@?', [`${p}_g${n}`, '%']);
      const a = adapter();
      const sessionId = crypto.randomUUID();
      try {
        await expect(
          syncInstanceAccounts({ store, adapter: a, dbType: 'mysql', instanceId, sessionId, ctx }),
        ).rejects.toMatchObject({ phase: 'inventory', messageCode: 'INVENTORY_GUARD_TRIPPED' });
        const result = await syncInstanceAccounts({
          store,
          adapter: a,
          dbType: 'mysql',
          instanceId,
          sessionId,
          ctx,
          confirmDeactivation: true,
        });
        expect(result.itemsDeleted).toBe(5);
        expect(result.details).toMatchObject({ confirmedDeactivation: true });
      } finally {
        await a.close();
      }
      const inventory = (await events()).filter((e) => e.type === 'InstanceInventorySynced').at(-1)!;
      expect(inventory.data).toMatchObject({
        confirmedDeactivation: true,
        deactivated: G.map((n) => `${p}_g${n}@%`),
      });
    });
  },
);
