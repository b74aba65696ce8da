import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../adapters/eventStore/postgresEventStore.js';
import { createLogger } from '../logger.js';
import { anEvent, numbered, uniqueStream } from '../../test/support/eventFactory.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/testDatabase.js';
import { eachEvent, type Projection } from './projection.js';
import { ProjectionRunner } from './runner.js';
import { readCheckpoint } from './checkpoints.js';
import { START, type Position } from '../domain/events/envelope.js';

const logger = createLogger({ level: 'silent' });

let db: TestDatabase;
let store: PostgresEventStore;
let failOn: number | undefined;
let head: Position;

/** Logs every application (to catch duplicates) and keeps a per-stream count. Throws on n === failOn. */
const counting: Projection = {
  name: 'test_counting',
  tables: ['test_applied', 'test_counts'],
  eventTypes: ['Counted'],
  apply: eachEvent(async ({ trx, table }, event) => {
    const { n } = event.data as { n: number };
    await trx(table('test_applied')).insert({ event_id: event.eventId, stream_id: event.streamId, n });
    if (n === failOn) throw new Error(`handler failed on n=${n}`);
    await trx.raw(
      `INSERT INTO "${table('test_counts')}" (stream_id, count) VALUES (?, 1)
       ON CONFLICT (stream_id) DO UPDATE SET count = "${table('test_counts')}".count + 1`,
      [event.streamId],
    );
  }),
};

const runner = (overrides: Partial<ConstructorParameters<typeof ProjectionRunner>[0]> = {}) =>
  new ProjectionRunner({
    projection: counting,
    store,
    knex: db.knex,
    logger,
    batchSize: 10,
    idleWaitMs: 60_000,
    ...overrides,
  });

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore(db.pool, { pollIntervalMs: 60_000 }); // wake-ups must come from NOTIFY
});
afterAll(async () => {
  await store.close();
  await db.drop();
});
beforeEach(async () => {
  failOn = undefined;
  await db.knex.raw(`
    DROP TABLE IF EXISTS test_applied, test_counts;
    CREATE TABLE test_applied (event_id uuid PRIMARY KEY, stream_id text NOT NULL, n int NOT NULL);
    CREATE TABLE test_counts (stream_id text PRIMARY KEY, count int NOT NULL);
    DELETE FROM projection_checkpoints;
  `);
  // Each test starts where the shared log ends now.
  head = await store.headPosition();
  await db.knex('projection_checkpoints').insert({
    projection_name: counting.name,
    position_commit: head.commit.toString(),
    position_prepare: head.prepare.toString(),
  });
});

const applied = async () => Number((await db.knex('test_applied').count({ c: '*' }))[0]!.c);

describe('projection runner', () => {
  let running: ProjectionRunner[] = [];
  afterEach(async () => {
    await Promise.all(running.map((r) => r.stop()));
    running = [];
  });

  it('applies events in batches, skips types it does not handle, and moves the checkpoint with them', async () => {
    const s = uniqueStream();
    await store.append(s, [...numbered(25, 'Counted'), anEvent('Ignored')], {
      expectedRevision: 'no_stream',
    });
    const r = runner();
    expect(await r.catchUp()).toBeGreaterThanOrEqual(26);
    expect(await applied()).toBe(25);
    expect(await db.knex('test_counts').where({ stream_id: s }).first()).toEqual({ stream_id: s, count: 25 });
    expect(await readCheckpoint(db.knex, counting.name)).toEqual(await store.headPosition());
    expect(await r.catchUp()).toBe(0);
  });

  it('a handler that throws mid-batch leaves no partial effect; the runner retries and resumes', async () => {
    const s = uniqueStream();
    const { position } = await store.append(s, numbered(8, 'Counted'), { expectedRevision: 'no_stream' });
    failOn = 5; // events 0..4 of the batch were written before the throw
    const r = runner({ maxBackoffMs: 50 });
    running.push(r);
    r.start();
    await expect.poll(() => r.status().lastError, { timeout: 10_000 }).toContain('handler failed on n=5');
    expect(await applied()).toBe(0);
    expect(await db.knex('test_counts').count({ c: '*' })).toEqual([{ c: '0' }]);
    expect(await readCheckpoint(db.knex, counting.name)).toEqual(head);
    const stored = await db.knex('projection_checkpoints').where({ projection_name: counting.name }).first();
    expect(stored.last_error).toContain('handler failed on n=5');

    failOn = undefined; // the fault is repaired: the next retry goes through, exactly once
    await r.waitForPosition(position, 10_000);
    expect(await applied()).toBe(8);
    expect(await db.knex('test_counts').where({ stream_id: s }).first()).toEqual({ stream_id: s, count: 8 });
    expect(r.status().lastError).toBeUndefined();
  });

  it('wakes on NOTIFY when events are appended, and waitForPosition resolves', async () => {
    const r = runner();
    running.push(r);
    r.start();
    await r.waitForPosition(await store.headPosition());
    const started = Date.now();
    const { position } = await store.append(uniqueStream(), numbered(3, 'Counted'), {
      expectedRevision: 'no_stream',
    });
    await r.waitForPosition(position, 5_000);
    expect(Date.now() - started).toBeLessThan(5_000); // idle wait and polling are 60 s: only NOTIFY can explain it
    expect(await applied()).toBe(3);
  });

  it('waitForPosition times out with a clear message when the projection does not get there', async () => {
    const r = runner();
    await r.catchUp();
    await expect(r.waitForPosition({ commit: 10n ** 15n, prepare: 1n }, 200)).rejects.toThrow(
      /did not reach/,
    );
  });

  it('two runners of one projection (two processes) apply every event exactly once', async () => {
    const streams = Array.from({ length: 4 }, () => uniqueStream());
    const a = runner();
    const b = runner();
    running.push(a, b);
    a.start();
    b.start();
    let last = START;
    for (let round = 0; round < 10; round++) {
      for (const s of streams) {
        ({ position: last } = await store.append(s, numbered(5, 'Counted', round * 5), {
          expectedRevision: 'any',
        }));
      }
    }
    await Promise.all([a.waitForPosition(last, 20_000), b.waitForPosition(last, 20_000)]);
    expect(await applied()).toBe(200);
    const counts = await db.knex('test_counts').whereIn('stream_id', streams).select('count');
    expect(counts.map((c: { count: number }) => c.count)).toEqual([50, 50, 50, 50]);
  });
});
