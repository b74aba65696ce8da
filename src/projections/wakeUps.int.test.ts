// The cost of one append to a process running twelve projections: the statements every runner sends when
// it wakes (reads of the log, checkpoint writes), counted at the pg driver. Two of the twelve handle the
// appended type, like a sync session's events, which a few of the service's projections handle.
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { appendInOrder } from '../../test/support/appendInOrder.js';
import { PostgresEventStore } from '../adapters/eventStore/postgresEventStore.js';
import { createLogger } from '../logger.js';
import { anEvent, uniqueStream } from '../../test/support/eventFactory.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/testDatabase.js';
import { ProjectionDaemon } from './daemon.js';
import type { Projection } from './projection.js';
import { readCheckpoint } from './checkpoints.js';

const RUNNERS = 12;
const RELEVANT = 2;
const APPENDS = 20;

let db: TestDatabase;
let store: PostgresEventStore;
let applied: string[] = [];

const projections: Projection[] = Array.from({ length: RUNNERS }, (_, i) => ({
  name: `test_wake_${i}`,
  tables: [],
  eventTypes: i < RELEVANT ? ['Woken'] : ['NeverAppended'],
  apply: (_ctx, events) => {
    for (const e of events) applied.push(`${i}:${e.eventId}`);
    return Promise.resolve();
  },
}));

interface Counted {
  /** Every statement the pg clients of this process sent (knex's connections and the store's pool). */
  statements: number;
  /** The store's reads of the log, and those that found nothing. */
  reads: number;
  emptyReads: number;
}

async function countStatements(work: () => Promise<void>): Promise<Counted> {
  const all = vi.spyOn(pg.Client.prototype, 'query');
  const store = vi.spyOn(db.pool, 'query');
  try {
    await work();
    const reads = store.mock.calls.flatMap(([query], i) =>
      String(query).includes('FROM events') ? [store.mock.results[i]!.value as unknown] : [],
    );
    const rows = await Promise.all(reads.map(async (r) => (await (r as Promise<pg.QueryResult>)).rowCount));
    return {
      statements: all.mock.calls.length,
      reads: reads.length,
      emptyReads: rows.filter((n) => n === 0).length,
    };
  } finally {
    all.mockRestore();
    store.mockRestore();
  }
}

const quiet = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore(db.pool);
});
afterAll(async () => {
  await store.close();
  await db.drop();
});

describe('projection runners woken by an append', () => {
  let daemon: ProjectionDaemon | undefined;
  afterEach(async () => {
    await daemon?.stop();
    applied = [];
  });

  it(`cost a few statements each, not a fresh subscription and a transaction (${RUNNERS} runners, ${RELEVANT} relevant)`, async () => {
    daemon = new ProjectionDaemon({
      projections,
      store,
      knex: db.knex,
      logger: createLogger({ level: 'silent' }),
    });
    daemon.start();
    await daemon.waitForPosition(await store.headPosition());
    await quiet(200);
    const stream = uniqueStream();
    const counted = await countStatements(async () => {
      for (let i = 0; i < APPENDS; i++) {
        const { position } = await store.append(stream, [anEvent('Woken', { n: i })], {
          expectedRevision: 'any',
        });
        await daemon!.waitForPosition(position, 60_000);
      }
      await quiet(300); // what the runners send after reaching the position (a new subscription's read)
    });
    // A read that finds nothing is a wait for visibility (another transaction of the cluster holds back
    // the snapshot's xmin: the store looks again soon) or, before, a fresh subscription's first read.
    const { statements, reads, emptyReads } = counted;
    const perAppend = (n: number) => Math.round((10 * n) / APPENDS) / 10;
    process.stdout.write(
      `per append: ${perAppend(statements)} statements, ${perAppend(reads - emptyReads)} reads of the log that found events, ${perAppend(emptyReads)} that found nothing\n`,
    );
    expect(applied).toHaveLength(APPENDS * RELEVANT);
    expect(new Set(applied).size).toBe(applied.length);
    const head = await store.headPosition();
    for (const p of projections) expect(await readCheckpoint(db.knex, p.name)).toEqual(head);
    // Before: each runner read the events twice (its subscription, then its batch), read once more for
    // the next wait, and ran a transaction of four statements whether it handled the event or not; then
    // (22.5 per append) each runner with nothing to apply sent its own checkpoint UPDATE, and a batch's
    // transaction read the checkpoint FOR UPDATE before writing it. Now: the append and its NOTIFY, one
    // read, one UPDATE for the runners with nothing to apply, and BEGIN, checkpoints, COMMIT for the relevant
    // runners, together (batchCommit.ts; their apply sends nothing here).
    expect(perAppend(reads - emptyReads)).toBeLessThanOrEqual(3);
    expect(perAppend(statements - emptyReads)).toBeLessThanOrEqual(2 + 1 + 1 + 3 + 1);
  }, 180_000);

  it('decode each event once for the runners that handle it, not once per runner', async () => {
    let decodes = 0;
    daemon = new ProjectionDaemon({
      projections,
      store,
      knex: db.knex,
      logger: createLogger({ level: 'silent' }),
      decode: (e) => {
        decodes++;
        return { ...e, data: { ...(e.data as object) } };
      },
    });
    daemon.start();
    await daemon.waitForPosition(await store.headPosition());
    await quiet(200);
    decodes = 0;
    const stream = uniqueStream();
    const append = appendInOrder(store);
    for (let i = 0; i < APPENDS; i++) {
      const { position } = await append(stream, [anEvent('Woken', { n: i })]);
      await daemon.waitForPosition(position, 60_000);
    }
    expect(applied).toHaveLength(APPENDS * RELEVANT);
    // Before: once per runner that handles the event (RELEVANT per append). A runner that fell behind
    // reads on its own and decodes its events again: a few, not one per runner each time.
    expect(decodes).toBeLessThanOrEqual(APPENDS * 1.25);
  }, 180_000);
});
