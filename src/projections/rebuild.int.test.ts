import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../adapters/eventStore/postgresEventStore.js';
import { createLogger } from '../logger.js';
import { anEvent, numbered, uniqueStream } from '../../test/support/eventFactory.js';
import { dumpTables, expectRebuildMatchesLive } from '../../test/support/readTables.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/testDatabase.js';
import { readCheckpoint } from './checkpoints.js';
import { eachEvent, type Projection } from './projection.js';
import { rebuildProjection } from './rebuild.js';
import { ProjectionRunner } from './runner.js';
import { streamCatalogProjection } from './streamCatalog/projection.js';

const logger = createLogger({ level: 'silent' });
let db: TestDatabase;
let store: PostgresEventStore;

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore(db.pool, { pollIntervalMs: 200 });
});
afterAll(async () => {
  await store.close();
  await db.drop();
});

const namesOf = async (table: string) => {
  const indexes = await db
    .knex('pg_indexes')
    .where({ tablename: table })
    .orderBy('indexname')
    .pluck('indexname');
  const constraints = await db.knex.raw<{ rows: { conname: string }[] }>(
    `SELECT conname FROM pg_constraint WHERE conrelid = ?::regclass ORDER BY conname`,
    [table],
  );
  return { indexes, constraints: constraints.rows.map((r) => r.conname) };
};

describe('rebuild', () => {
  it('rebuilds stream_catalog into twins and swaps them in: same rows, same index and constraint names', async () => {
    for (let i = 0; i < 30; i++) {
      await store.append(`session-${i % 7}`, numbered(3), { expectedRevision: 'any' });
      await store.append(`instance-${i % 5}`, [anEvent('InstanceTouched')], { expectedRevision: 'any' });
    }
    const live = new ProjectionRunner({
      projection: streamCatalogProjection,
      store,
      knex: db.knex,
      logger,
      batchSize: 17,
    });
    await live.catchUp();
    const before = await namesOf('stream_catalog');
    await expectRebuildMatchesLive({ knex: db.knex, store, projections: [streamCatalogProjection] });
    expect(await namesOf('stream_catalog')).toEqual(before);
    expect(before.indexes).toEqual(['stream_catalog_category_idx', 'stream_catalog_pkey']);
    const row = await db.knex('stream_catalog').where({ stream_id: 'session-0' }).first();
    expect(row).toMatchObject({
      category: 'session',
      event_count: '15',
      last_revision: '14',
      last_event_type: 'TestHappened',
    });
    const tables = await db
      .knex('pg_tables')
      .where('tablename', 'like', 'stream_catalog%')
      .pluck('tablename');
    expect(tables).toEqual(['stream_catalog']);
  });

  it('live tables keep serving and events keep coming during a rebuild; nothing is lost or doubled', async () => {
    const live = new ProjectionRunner({
      projection: streamCatalogProjection,
      store,
      knex: db.knex,
      logger,
      batchSize: 50,
      idleWaitMs: 500,
    });
    live.start();
    try {
      const streams = Array.from({ length: 20 }, () => uniqueStream('busy'));
      for (const s of streams) await store.append(s, numbered(10), { expectedRevision: 'no_stream' });
      let liveReads = 0;
      let appendedDuring = 0;
      await rebuildProjection({
        projection: streamCatalogProjection,
        store,
        knex: db.knex,
        logger,
        batchSize: 20,
        onProgress: async () => {
          // The live table answers while the twin fills, and the log keeps growing.
          liveReads += Number((await db.knex('stream_catalog').count({ c: '*' }))[0]!.c) > 0 ? 1 : 0;
          if (appendedDuring < 10) {
            await store.append(streams[appendedDuring]!, numbered(1, 'Late'), { expectedRevision: 'any' });
            appendedDuring++;
          }
        },
      });
      expect(liveReads).toBeGreaterThan(0);
      const { position } = await store.append(streams[0]!, numbered(1, 'AfterSwap'), {
        expectedRevision: 'any',
      });
      await live.waitForPosition(position, 10_000);
      const rows = await db.knex('stream_catalog').whereIn('stream_id', streams).orderBy('stream_id');
      const total = rows.reduce((sum: number, r: { event_count: string }) => sum + Number(r.event_count), 0);
      expect(total).toBe(200 + appendedDuring + 1);
      await live.stop();
      await expectRebuildMatchesLive({ knex: db.knex, store, projections: [streamCatalogProjection] });
    } finally {
      await live.stop();
    }
  });

  it('a failing rebuild leaves the live tables and checkpoint as they were and removes its twins', async () => {
    await new ProjectionRunner({
      projection: streamCatalogProjection,
      store,
      knex: db.knex,
      logger,
    }).catchUp();
    const before = await dumpTables(db.knex, ['stream_catalog']);
    const checkpoint = await readCheckpoint(db.knex, 'stream_catalog');
    const broken: Projection = {
      ...streamCatalogProjection,
      apply: () => Promise.reject(new Error('bug in a handler')),
    };
    await expect(rebuildProjection({ projection: broken, store, knex: db.knex, logger })).rejects.toThrow(
      'bug in a handler',
    );
    expect(await dumpTables(db.knex, ['stream_catalog'])).toEqual(before);
    expect(await readCheckpoint(db.knex, 'stream_catalog')).toEqual(checkpoint);
    expect(
      await db.knex('pg_tables').where({ tablename: 'stream_catalog__rebuild' }).first(),
    ).toBeUndefined();
  });

  it('rebuilds a partitioned table with the same partitions, partition names and identity column', async () => {
    await db.knex.raw(`
      CREATE TABLE test_sizes (
        id bigint GENERATED ALWAYS AS IDENTITY,
        stream_id text NOT NULL,
        day date NOT NULL,
        n int NOT NULL,
        PRIMARY KEY (stream_id, day)
      ) PARTITION BY RANGE (day);
      CREATE TABLE test_sizes_2026_01 PARTITION OF test_sizes FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
      CREATE TABLE test_sizes_2026_02 PARTITION OF test_sizes FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');
      CREATE TABLE test_sizes_default PARTITION OF test_sizes DEFAULT;
      CREATE INDEX test_sizes_day_idx ON test_sizes (day);
    `);
    const sized: Projection = {
      name: 'test_sizes',
      tables: ['test_sizes'],
      eventTypes: ['Sized'],
      apply: eachEvent(async ({ trx, table }, e) => {
        const { day, n } = e.data as { day: string; n: number };
        await trx(table('test_sizes'))
          .insert({ stream_id: e.streamId, day, n })
          .onConflict(['stream_id', 'day'])
          .merge();
      }),
    };
    const s = uniqueStream('sized');
    const days = ['2026-01-05', '2026-01-31', '2026-02-01', '2026-03-15', '2026-01-05'];
    await store.append(
      s,
      days.map((day, n) => anEvent('Sized', { day, n })),
      { expectedRevision: 'no_stream' },
    );
    await new ProjectionRunner({ projection: sized, store, knex: db.knex, logger }).catchUp();
    const partitionsBefore = await db.knex.raw(
      `SELECT inhrelid::regclass::text AS p FROM pg_inherits WHERE inhparent = 'test_sizes'::regclass ORDER BY 1`,
    );
    const namesBefore = await namesOf('test_sizes');
    const partitionNames = () =>
      Promise.all(['test_sizes_2026_01', 'test_sizes_2026_02', 'test_sizes_default'].map(namesOf));
    const partitionNamesBefore = await partitionNames();
    expect(partitionNamesBefore[0]!.indexes).toEqual([
      'test_sizes_2026_01_day_idx',
      'test_sizes_2026_01_pkey',
    ]);

    await expectRebuildMatchesLive({ knex: db.knex, store, projections: [sized] });

    const partitionsAfter = await db.knex.raw(
      `SELECT inhrelid::regclass::text AS p FROM pg_inherits WHERE inhparent = 'test_sizes'::regclass ORDER BY 1`,
    );
    expect(partitionsAfter.rows).toEqual(partitionsBefore.rows);
    expect(await namesOf('test_sizes')).toEqual(namesBefore);
    // The partitions' own indexes and constraints too, not the twin's (test_sizes_2026_01__rebuild_pkey).
    expect(await partitionNames()).toEqual(partitionNamesBefore);
    expect(await db.knex('test_sizes_2026_01').count({ c: '*' })).toEqual([{ c: '2' }]);
    expect(await db.knex('test_sizes_default').count({ c: '*' })).toEqual([{ c: '1' }]);
    // The twin got its own identity sequence: new rows still insert.
    await db.knex('test_sizes').insert({ stream_id: 'x', day: '2026-02-02', n: 1 });
  });
});
