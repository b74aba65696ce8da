// A sync started right after an instance is registered, with no projection running: the sync reads the
// instance and its credential from their streams, so nothing has to catch up before it can start.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineAdapter } from '../../src/adapters/engines/index.js';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { validatingEventStore } from '../../src/adapters/eventStore/validatingEventStore.js';
import { generateKey } from '../../src/adapters/keyring/keyring.js';
import { makeRunAccountSync } from '../../src/commands/sync/runAccountSync.js';
import { loadSession } from '../../src/commands/sync/sessionWriter.js';
import { createEventRegistry } from '../../src/domain/eventTypes.js';
import { createLogger } from '../../src/logger.js';
import { onlyAccounts } from '../support/capacityHarness.js';
import { createCollector, dropCollector } from '../support/mariadbCollector.js';
import { registerInstance } from '../support/registeredInstance.js';
import { mysqlService, titled } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';

const service = mysqlService();
const p = `wfu_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_collector`, password: `Coll-${p}-pw` };
const ctx = { actor: { kind: 'user' as const, id: 'tester' }, correlationId: 'c', now: new Date() };

describe.skipIf(!service.url)(titled('a sync before any projection caught up', service), () => {
  let db: TestDatabase;
  let raw: PostgresEventStore;
  let root: mysql.Connection;
  let instanceId: string;
  let run: ReturnType<typeof makeRunAccountSync>;

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: service.url! });
    await createCollector(root, collector.user, collector.password);
    db = await createTestDatabase();
    raw = new PostgresEventStore(db.pool);
    const store = validatingEventStore(raw, createEventRegistry());
    const ring = { current: generateKey(), previous: [] };
    instanceId = await registerInstance(
      { db, store, keyring: () => ring },
      {
        name: 'fresh',
        dbType: 'mysql',
        url: new URL(service.url!),
        username: collector.user,
        password: collector.password,
      },
      ctx,
    );
    run = makeRunAccountSync({
      knex: db.knex,
      pool: db.pool,
      store,
      keyring: () => ring,
      logger: createLogger({ level: 'silent' }),
      // Only this suite's accounts: the server's own are not what is tested here.
      adapterFor: (_instance, params) =>
        onlyAccounts(createEngineAdapter(params), (a) => a.username.startsWith(p)),
    });
  });

  afterAll(async () => {
    await raw?.close();
    await db?.drop();
    await dropCollector(root, collector.user);
    await root.end();
  });

  it('the read tables know nothing of the instance', async () => {
    expect(await db.knex('instances').where({ id: instanceId }).first()).toBeUndefined();
    expect(await db.knex('credentials').count({ n: '*' })).toEqual([{ n: '0' }]);
  });

  it.each([
    ['by id', () => ({ instanceIds: [instanceId] })],
    ['all active', () => 'all-active' as const],
  ])('a sync of the instance %s completes', async (_, target) => {
    const started = await run(target(), 'manual_single', ctx);
    await started.done;
    const { state } = await loadSession(raw, started.sessionId);
    expect(state.status).toBe('completed');
    expect([...state.records.keys()]).toEqual([instanceId]);
    expect(state.records.get(instanceId)?.status).toBe('completed');
  });
});
