// The all-in-one rebuild (`whalefall rebuild` without a name): one read of the log feeds every
// projection; it leaves the rows the live runners and the single-projection rebuilds leave, and a failure
// in one projection halfway swaps nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../adapters/eventStore/port.js';
import { PostgresEventStore } from '../adapters/eventStore/postgresEventStore.js';
import { decodeKnown } from '../adapters/eventStore/validatingEventStore.js';
import type { RecordedEvent } from '../domain/events/envelope.js';
import { createEventRegistry } from '../domain/eventTypes.js';
import { createLogger } from '../logger.js';
import { catchUpToCommitted } from '../../test/support/catchUp.js';
import { writeSmallMixedLog } from '../../test/support/logWriter.js';
import { dumpTables } from '../../test/support/readTables.js';
import { deepFreeze } from '../../test/support/registryFixture.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/testDatabase.js';
import { readCheckpoint } from './checkpoints.js';
import { allProjections } from './index.js';
import type { Projection } from './projection.js';
import { rebuildProjection, rebuildProjections } from './rebuild.js';
import { ProjectionRunner } from './runner.js';

const logger = createLogger({ level: 'silent' });
// Decoded events frozen: the live daemon and the rebuild hand one decoded event to every projection that
// handles it (daemon.ts decodedOnce, rebuild.ts), so a projection that changed one would throw here.
const decodeOne = decodeKnown(createEventRegistry());
const decode = (e: RecordedEvent) => deepFreeze(decodeOne(e));
const tables = allProjections.flatMap((p) => p.tables);
let db: TestDatabase;
let store: PostgresEventStore;
let logLength = 0;

/** The store, counting its readAll calls and the events they return. */
const counting = (inner: EventStore) => {
  const counts = { calls: 0, events: 0 };
  const wrapped: EventStore = {
    ...inner,
    append: (...args) => inner.append(...args),
    readStream: (...args) => inner.readStream(...args),
    streamRevision: (...args) => inner.streamRevision(...args),
    readBySession: (...args) => inner.readBySession(...args),
    subscribeAll: (...args) => inner.subscribeAll(...args),
    headPosition: () => inner.headPosition(),
    close: () => inner.close(),
    readAll: async (options) => {
      counts.calls++;
      const events = await inner.readAll(options);
      counts.events += events.length;
      return events;
    },
  };
  return { store: wrapped, counts };
};

const checkpoints = () => Promise.all(allProjections.map((p) => readCheckpoint(db.knex, p.name)));
const twinsLeft = () => db.knex('pg_tables').where('tablename', 'like', '%\\_\\_rebuild').pluck('tablename');

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore(db.pool);
  logLength = await writeSmallMixedLog(db.knex);
  // The live runners, in small batches (rows loaded back and rewritten across batch boundaries).
  for (const projection of allProjections) {
    const runner = new ProjectionRunner({ projection, store, knex: db.knex, logger, decode, batchSize: 37 });
    await catchUpToCommitted(runner, db.knex);
  }
});
afterAll(async () => {
  await store.close();
  await db.drop();
});

describe('rebuild of every projection in one pass', () => {
  it('gives the rows of the live runners and of the single rebuilds, reading the log once', async () => {
    const live = await dumpTables(db.knex, tables);
    for (const t of [
      'instances',
      'sync_sessions',
      'instance_accounts',
      'account_change_log',
      'database_size_stats',
    ])
      expect(live[t]!.length, `${t} has rows`).toBeGreaterThan(0);

    const single = counting(store);
    for (const projection of allProjections)
      await rebuildProjection({
        projection,
        store: single.store,
        knex: db.knex,
        logger,
        decode,
        batchSize: 50,
      });
    expect(await dumpTables(db.knex, tables)).toEqual(live);

    const once = counting(store);
    const results = await rebuildProjections({
      projections: allProjections,
      store: once.store,
      knex: db.knex,
      logger,
      decode,
      batchSize: 50,
    });
    expect(await dumpTables(db.knex, tables)).toEqual(live);
    // Every event read once: as many reads as one projection's rebuild, a twelfth of the single rebuilds'.
    expect(once.counts.events).toBe(logLength);
    expect(once.counts.calls).toBe(Math.floor(logLength / 50) + 2);
    expect(single.counts.calls).toBe(allProjections.length * once.counts.calls);
    const head = await store.headPosition();
    expect(results.map((r) => r.projection)).toEqual(allProjections.map((p) => p.name));
    expect(await checkpoints()).toEqual(allProjections.map(() => head));
    expect(await twinsLeft()).toEqual([]);
  });

  it('a projection failing halfway swaps nothing: every live table and checkpoint stays, the twins go', async () => {
    const before = await dumpTables(db.knex, tables);
    const positions = await checkpoints();
    let batches = 0;
    const failing = (p: Projection): Projection =>
      p.name !== 'capacity'
        ? p
        : {
            ...p,
            apply: async (ctx, events) => {
              if (++batches === 3) throw new Error('bug in a handler');
              await p.apply(ctx, events);
            },
          };
    await expect(
      rebuildProjections({
        projections: allProjections.map(failing),
        store,
        knex: db.knex,
        logger,
        decode,
        batchSize: 15,
      }),
    ).rejects.toThrow('bug in a handler');
    expect(batches).toBe(3);
    expect(await dumpTables(db.knex, tables)).toEqual(before);
    expect(await checkpoints()).toEqual(positions);
    expect(await twinsLeft()).toEqual([]);
  });
});
