// Capacity collection against the local MariaDB: one StatsSaved with every database and the instance total
// (defect 4), sizes that grow when data is added, an instance without databases skipped apart (defect 5),
// and a failed attempt retried with backoff within the run, each attempt an event (defect 3).
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineAdapter } from '../../src/adapters/engines/index.js';
import type { EngineAdapter } from '../../src/adapters/engines/port.js';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { validatingEventStore } from '../../src/adapters/eventStore/validatingEventStore.js';
import { generateKey } from '../../src/adapters/secrets/keyring.js';
import { makeCreateCredential } from '../../src/commands/credentials.js';
import { makeRegisterInstance } from '../../src/commands/instances.js';
import { makeRunCapacityCollection } from '../../src/commands/sync/collectCapacity.js';
import { loadSession } from '../../src/commands/sync/sessionExecutor.js';
import { capacityStream } from '../../src/domain/capacity/events.js';
import { createEventRegistry } from '../../src/domain/eventTypes.js';
import { createLogger } from '../../src/logger.js';
import { credentialsProjection } from '../../src/projections/credentials/projection.js';
import { instancesProjection } from '../../src/projections/instances/projection.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { createCollector, dropCollector } from '../support/mariadbCollector.js';
import { mysqlService, titled } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';

const service = mysqlService();
const p = `wfc_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };
const ctx = { actor: { kind: 'user' as const, id: 'tester' }, correlationId: 'c', now: new Date() };
const logger = createLogger({ level: 'silent' });

describe.skipIf(!service.url)(titled('capacity collection against MariaDB', service), () => {
  let db: TestDatabase;
  let raw: PostgresEventStore;
  let root: mysql.Connection;
  const ids: Record<'ours' | 'empty', string> = { ours: '', empty: '' };
  let failSizesOnce = false;
  const ring = { current: generateKey(), previous: [] };

  const wrap = (real: EngineAdapter, only: string): EngineAdapter => ({
    ...real,
    dbType: real.dbType,
    close: () => real.close(),
    listDatabases: async () => {
      const all = await real.listDatabases();
      return { ...all, items: all.items.filter((d) => d.name.startsWith(only)) };
    },
    databaseSizes: async () => {
      if (failSizesOnce) {
        failSizesOnce = false;
        throw new Error('a transient failure');
      }
      return real.databaseSizes();
    },
  });

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: service.url!, multipleStatements: true });
    await createCollector(root, collector.user, collector.password);
    for (const name of ['a', 'b']) {
      await root.query(
        `CREATE DATABASE \`${p}_${name}\`; CREATE TABLE \`${p}_${name}\`.t (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(200))`,
      );
    }
    db = await createTestDatabase();
    raw = new PostgresEventStore(db.pool);
    const store = validatingEventStore(raw, createEventRegistry());
    const url = new URL(service.url!);
    const cred = await makeCreateCredential({ knex: db.knex, store, keyring: () => ring })(
      { name: 'm', dbType: 'mysql', username: collector.user, password: collector.password, description: '' },
      ctx,
    );
    for (const name of ['ours', 'empty'] as const) {
      ids[name] = (
        await makeRegisterInstance({ knex: db.knex, store })(
          {
            name,
            dbType: 'mysql',
            host: url.hostname,
            port: Number(url.port || 3306),
            databaseName: null,
            credentialId: cred.id,
            description: '',
          },
          ctx,
        )
      ).id;
    }
    for (const projection of [credentialsProjection, instancesProjection])
      await new ProjectionRunner({ projection, store: raw, knex: db.knex, logger }).catchUp();
  });
  afterAll(async () => {
    await raw?.close();
    await db?.drop();
    await dropCollector(root, collector.user);
    for (const name of ['a', 'b']) await root.query(`DROP DATABASE IF EXISTS \`${p}_${name}\``);
    await root.end();
  });

  const collect = async (instanceIds: string[]) => {
    const store = validatingEventStore(raw, createEventRegistry());
    const run = makeRunCapacityCollection(
      {
        knex: db.knex,
        pool: db.pool,
        store,
        keyring: () => ring,
        logger,
        adapterFor: (row, params) =>
          wrap(createEngineAdapter(params), row.id === ids.ours ? p : 'no-such-prefix'),
      },
      'UTC',
    );
    const started = await run({ instanceIds }, 'manual_batch', ctx, { backoffMs: 10 });
    await started.done;
    return loadSession(raw, started.sessionId);
  };
  const statsEvents = async () =>
    (await raw.readStream(capacityStream(ids.ours))).filter((e) => e.type === 'StatsSaved');

  it('saves every database and the instance total in one StatsSaved; sizes grow when data is added', async () => {
    const first = await collect([ids.ours]);
    expect(first.state.status).toBe('completed');
    const [stats] = await statsEvents();
    const data = stats!.data as {
      databases: { databaseName: string; sizeMb: number }[];
      totalSizeMb: number;
      databaseCount: number;
    };
    expect(data.databases.map((d) => d.databaseName)).toEqual([`${p}_a`, `${p}_b`]);
    expect(data.databaseCount).toBe(2);
    expect(data.totalSizeMb).toBeCloseTo(
      data.databases.reduce((s, d) => s + d.sizeMb, 0),
      3,
    );

    await root.query(`INSERT INTO \`${p}_a\`.t (v) SELECT REPEAT('x', 200) FROM seq_1_to_20000`);
    await root.query(`ANALYZE TABLE \`${p}_a\`.t`);
    await collect([ids.ours]);
    const after = (await statsEvents()).at(-1)!.data as {
      databases: { databaseName: string; sizeMb: number }[];
    };
    const sizeOf = (rows: { databaseName: string; sizeMb: number }[]) =>
      rows.find((d) => d.databaseName === `${p}_a`)!.sizeMb;
    expect(sizeOf(after.databases)).toBeGreaterThan(sizeOf(data.databases) + 3); // 20,000 x 200 bytes = 3.8 MB raw
  });

  it('an instance with no active database is skipped with its reason, counted apart (defect 5)', async () => {
    const session = await collect([ids.ours, ids.empty]);
    expect(session.state.records.get(ids.empty)?.status).toBe('skipped');
    expect(session.state.status).toBe('completed');
    const skipped = session.history.find((e) => e.type === 'InstanceSyncSkipped');
    expect(skipped?.data).toMatchObject({ reason: 'no active databases' });
    const completed = session.history.find((e) => e.type === 'SessionCompleted');
    expect(completed?.data).toMatchObject({ counts: { total: 2, completed: 1, skipped: 1, failed: 0 } });
  });

  it('a failed instance is retried with backoff within the run, each attempt an event (defect 3)', async () => {
    failSizesOnce = true;
    const session = await collect([ids.ours]);
    const types = session.history.map((e) => e.type);
    expect(types).toEqual([
      'SessionStarted',
      'InstanceSyncStarted',
      'InstanceSyncFailed',
      'SessionCompleted',
      'InstanceSyncRetried',
      'InstanceSyncStarted',
      'InstanceSyncCompleted',
      'SessionCompleted',
    ]);
    expect(session.state.status).toBe('completed');
    expect(session.history.find((e) => e.type === 'InstanceSyncFailed')?.data).toMatchObject({
      phase: 'sizes',
    });
  });
});
