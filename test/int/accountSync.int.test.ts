// Account sync against the local MariaDB as a monitored instance: the two phases, the reference's
// defects 1 and 2 (docs/defects.md), compensation (revert the inventory, retry permissions), a revoke
// seen as a diff, and two syncs of one instance that must not interleave.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineAdapter } from '../../src/adapters/engines/index.js';
import type { EngineAdapter } from '../../src/adapters/engines/port.js';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { validatingEventStore } from '../../src/adapters/eventStore/validatingEventStore.js';
import { generateKey } from '../../src/adapters/keyring/keyring.js';
import { makeRevertInventory, makeRetryRecord } from '../../src/commands/sync/compensations.js';
import { makeRunAccountSync, type AccountSyncDeps } from '../../src/commands/sync/runAccountSync.js';
import { loadSession } from '../../src/commands/sync/sessionWriter.js';
import { toLedgerEvents } from '../../src/commands/sync/syncInstanceAccounts.js';
import { accountsStream } from '../../src/domain/accounts/events.js';
import { foldLedger } from '../../src/domain/accounts/ledger.js';
import { createEventRegistry } from '../../src/domain/eventTypes.js';
import { createLogger } from '../../src/logger.js';
import { createCollector, dropCollector } from '../support/mariadbCollector.js';
import { registerInstance } from '../support/registeredInstance.js';
import { mysqlService, titled } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';

const service = mysqlService();
const p = `wfs_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_collector`, password: `Coll-${p}-pw` };
const ctx = { actor: { kind: 'user' as const, id: 'tester' }, correlationId: 'c', now: new Date() };
const logger = createLogger({ level: 'silent' });

describe.skipIf(!service.url)(titled('account sync against MariaDB', service), () => {
  let db: TestDatabase;
  let raw: PostgresEventStore;
  let root: mysql.Connection;
  let instanceId: string;
  let failPermissions: 'no' | 'engine' | 'crash' = 'no';
  let failInventory = false;
  let deps: AccountSyncDeps;
  const ring = { current: generateKey(), previous: [] };

  // Only this test's accounts (not the collector's own, nor the server's).
  const ours = (a: { username: string }) =>
    a.username.startsWith(p) && !a.username.startsWith(collector.user);
  const wrap = (real: EngineAdapter): EngineAdapter => ({
    ...real,
    dbType: real.dbType,
    close: () => real.close(),
    listAccounts: async () => {
      if (failInventory) throw new TypeError('a bug inside the inventory phase');
      const all = await real.listAccounts();
      return { ...all, items: all.items.filter(ours) };
    },
    permissionSnapshot: async () => {
      if (failPermissions === 'engine') throw new Error('the collector lost its grants mid-sync');
      if (failPermissions === 'crash')
        throw new TypeError("Cannot read properties of undefined (reading 'facts')");
      const all = await real.permissionSnapshot();
      return { ...all, items: all.items.filter(ours) };
    },
  });

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: service.url! });
    await createCollector(root, collector.user, collector.password);
    await root.query(`CREATE DATABASE \`${p}_app\``);
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [`${p}_alice`, '%', 'x-Alice-1']);
    await root.query(`GRANT SELECT, INSERT ON \`${p}_app\`.* TO ?@'%'`, [`${p}_alice`]);
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [`${p}_bob`, '%', 'x-Bob-1']);
    await root.query(`GRANT SELECT ON \`${p}_app\`.* TO ?@'%'`, [`${p}_bob`]);

    db = await createTestDatabase();
    raw = new PostgresEventStore(db.pool);
    const store = validatingEventStore(raw, createEventRegistry());
    const url = new URL(service.url!);
    instanceId = await registerInstance(
      { db, store, keyring: () => ring },
      { name: 'maria', dbType: 'mysql', url, username: collector.user, password: collector.password },
      ctx,
    );
    deps = {
      knex: db.knex,
      pool: db.pool,
      store,
      keyring: () => ring,
      logger,
      adapterFor: (_row, params) => wrap(createEngineAdapter(params)),
    };
  });

  afterAll(async () => {
    await raw?.close();
    await db?.drop();
    for (const user of [`${p}_alice`, `${p}_bob`]) await root.query('DROP USER IF EXISTS ?@?', [user, '%']);
    await dropCollector(root, collector.user);
    await root.query(`DROP DATABASE IF EXISTS \`${p}_app\``);
    await root.end();
  });

  const sync = async () => {
    const started = await makeRunAccountSync(deps)({ instanceIds: [instanceId] }, 'manual_single', ctx);
    await started.done;
    return started.sessionId;
  };
  const ledger = async (until?: Date) =>
    foldLedger(toLedgerEvents(await raw.readStream(accountsStream(instanceId))), until);

  it('syncs the inventory, then the permissions: completed', async () => {
    const sessionId = await sync();
    const { state } = await loadSession(raw, sessionId);
    expect(state.status).toBe('completed');
    const now = await ledger();
    expect([...now.accounts.keys()].sort()).toEqual([`${p}_alice@%`, `${p}_bob@%`]);
    // Granted as `wfs_…_app` (unescaped: its underscores are wildcards), so that is the key.
    expect(now.facts.get(`${p}_alice@%`)?.privileges.database).toEqual({
      [`${p}_app`]: ['INSERT', 'SELECT'],
    });
    expect(now.facts.get(`${p}_bob@%`)?.privileges.database).toEqual({ [`${p}_app`]: ['SELECT'] });
  });

  it('defect 1: permissions fail after the inventory was appended -> failed with phase permissions; revert restores the earlier accounts; retry completes', async () => {
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [`${p}_carol`, '%', 'x-Carol-1']);
    failPermissions = 'engine';
    const sessionId = await sync();
    failPermissions = 'no';
    const { state } = await loadSession(raw, sessionId);
    expect(state.status).toBe('failed');
    expect(state.records.get(instanceId)).toMatchObject({ status: 'failed', phase: 'permissions' });
    const types = (await raw.readStream(accountsStream(instanceId))).map((e) => e.type).slice(-2);
    expect(types).toEqual(['InstanceInventorySynced', 'PermissionsFailed']);
    expect((await ledger()).accounts.has(`${p}_carol@%`)).toBe(true);

    await makeRevertInventory(deps)(sessionId, instanceId, ctx);
    expect((await ledger()).accounts.has(`${p}_carol@%`)).toBe(false);

    await (
      await makeRetryRecord({ ...deps, timeZone: 'UTC' })(sessionId, instanceId, ctx)
    ).done;
    const after = await loadSession(raw, sessionId);
    expect(after.state.status).toBe('completed');
    expect(after.history.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'CompensationApplied',
        'InstanceSyncRetried',
        'InstanceSyncCompleted',
        'SessionCompleted',
      ]),
    );
    await root.query('DROP USER ?@?', [`${p}_carol`, '%']);
  });

  it('defect 2: an exception inside a phase leaves no record running', async () => {
    for (const [setup, phase] of [
      [() => (failInventory = true), 'inventory'],
      [() => (failPermissions = 'crash'), 'permissions'],
    ] as const) {
      setup();
      const sessionId = await sync();
      failInventory = false;
      failPermissions = 'no';
      const { state } = await loadSession(raw, sessionId);
      expect(state.status).toBe('failed');
      expect(state.records.get(instanceId)).toMatchObject({ status: 'failed', phase });
    }
  });

  it('a revoke is a diff, and the facts as of before the revoke are the old ones', async () => {
    await sync();
    const beforeRevoke = new Date();
    await new Promise((r) => setTimeout(r, 20));
    await root.query(`REVOKE INSERT ON \`${p}_app\`.* FROM ?@'%'`, [`${p}_alice`]);
    await sync();
    const events = await raw.readStream(accountsStream(instanceId));
    const lastPermissions = events.filter((e) => e.type === 'PermissionsSynced').at(-1)!;
    const alice = (lastPermissions.data as { accounts: { username: string; diff: unknown }[] }).accounts.find(
      (a) => a.username === `${p}_alice@%`,
    );
    expect(alice?.diff).toMatchObject({
      privileges: { [`database:${p}_app`]: { added: [], removed: ['INSERT'] } },
    });
    const then = await ledger(beforeRevoke);
    const now = await ledger();
    expect(Object.values(then.facts.get(`${p}_alice@%`)!.privileges.database).flat()).toContain('INSERT');
    expect(Object.values(now.facts.get(`${p}_alice@%`)!.privileges.database).flat()).not.toContain('INSERT');
  });

  it('two syncs of one instance at once do not interleave: the second is skipped with its reason', async () => {
    const run = makeRunAccountSync(deps);
    const [a, b] = await Promise.all([
      run({ instanceIds: [instanceId] }, 'manual_single', ctx),
      run({ instanceIds: [instanceId] }, 'manual_single', ctx),
    ]);
    await Promise.all([a.done, b.done]);
    const states = await Promise.all([loadSession(raw, a.sessionId), loadSession(raw, b.sessionId)]);
    const records = states.map((s) => s.state.records.get(instanceId)!.status).sort();
    expect(records).toEqual(['completed', 'skipped']);
    // The account stream shows the phases of one sync only, in order.
    const tail = (await raw.readStream(accountsStream(instanceId))).slice(-2).map((e) => e.type);
    expect(tail).toEqual(['InstanceInventorySynced', 'PermissionsSynced']);
  });
});
