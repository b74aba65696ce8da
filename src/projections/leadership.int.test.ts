// Projection leadership across processes: two daemons (each with its own pools, store and lock
// connection, as two `serve` processes) on one database. One leads each projection, the other follows
// its checkpoint; losing the lock connection or stopping hands the projection over within the retry
// interval; events are applied once throughout, also when a stale leader races the new one.
import type { Knex } from 'knex';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKnex } from '../adapters/db/knex.js';
import { createPgPool } from '../adapters/db/pgPool.js';
import { PostgresEventStore } from '../adapters/eventStore/postgresEventStore.js';
import { START, comparePositions, type Position } from '../domain/events/envelope.js';
import { createLogger } from '../logger.js';
import { numbered, uniqueStream } from '../../test/support/eventFactory.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/testDatabase.js';
import { readCheckpoint } from './checkpoints.js';
import { ProjectionDaemon } from './daemon.js';
import { eachEvent, type Projection } from './projection.js';
import { ProjectionRunner } from './runner.js';

const logger = createLogger({ level: 'silent' });
const RETRY_MS = 300;

let db: TestDatabase;
/** Appends on a pool of its own: the test's writes do not depend on a "process" that may be closed. */
let writer: PostgresEventStore;
/** Holds a batch's transaction open (its checkpoint row locked) in the handler until `open` resolves. */
let gate: { reached(): void; open: Promise<void> } | undefined;

/** Logs every application, so a duplicate shows as a second row for one event. */
const counting = (name: string): Projection => ({
  name,
  tables: ['test_leader_applied'],
  eventTypes: ['Counted'],
  apply: eachEvent(async ({ trx, table }, event) => {
    if (gate) {
      gate.reached();
      await gate.open;
    }
    await trx(table('test_leader_applied')).insert({ projection: name, event_id: event.eventId });
  }),
});
const projections = [counting('test_lead_a'), counting('test_lead_b')];
const names = projections.map((p) => p.name);

/** What one `serve` process would own. */
interface Process {
  daemon: ProjectionDaemon;
  knex: Knex;
  pool: pg.Pool;
  store: PostgresEventStore;
  close(): Promise<void>;
}

let processes: Process[] = [];
const openProcess = (): Process => {
  const knex = createKnex(db.url, { max: 4 });
  const pool = createPgPool(db.url, { max: 4 });
  const store = new PostgresEventStore(pool, { pollIntervalMs: 500 });
  const daemon = new ProjectionDaemon({
    projections,
    store,
    knex,
    logger,
    batchSize: 20,
    leadership: { connectionString: db.url, retryMs: RETRY_MS },
  });
  let closed = false;
  const p: Process = {
    daemon,
    knex,
    pool,
    store,
    async close() {
      if (closed) return;
      closed = true;
      await daemon.stop();
      await store.close();
      await knex.destroy();
      await pool.end();
    },
  };
  processes.push(p);
  return p;
};

const leaders = (p: Process) =>
  p.daemon
    .status()
    .filter((s) => s.leader)
    .map((s) => s.projection)
    .sort();

const appliedCounts = async () => {
  const { rows } = await db.knex.raw<{ rows: { projection: string; n: string; distinct: string }[] }>(
    `SELECT projection, count(*) AS n, count(DISTINCT event_id) AS distinct
     FROM test_leader_applied GROUP BY projection ORDER BY projection`,
  );
  return Object.fromEntries(
    rows.map((r) => [r.projection, { n: Number(r.n), distinct: Number(r.distinct) }]),
  );
};

/** Counted events in the log (shared by the tests; each test's daemons start from position 0). */
let appended = 0;
const append = async (streams = 3, each = 15): Promise<Position> => {
  let last = START;
  for (let s = 0; s < streams; s++)
    ({ position: last } = await writer.append(uniqueStream(), numbered(each, 'Counted'), {
      expectedRevision: 'no_stream',
    }));
  appended += streams * each;
  return last;
};

const expectAppliedOnce = async () =>
  expect(await appliedCounts()).toEqual(
    Object.fromEntries(names.map((n) => [n, { n: appended, distinct: appended }])),
  );

beforeAll(async () => {
  db = await createTestDatabase();
  writer = new PostgresEventStore(db.pool, { pollIntervalMs: 500 });
});
afterAll(async () => {
  await writer.close();
  await db.drop();
});
beforeEach(async () => {
  gate = undefined;
  await db.knex.raw(`
    DROP TABLE IF EXISTS test_leader_applied;
    CREATE TABLE test_leader_applied (projection text NOT NULL, event_id uuid NOT NULL);
    DELETE FROM projection_checkpoints;
  `);
});
afterEach(async () => {
  gate = undefined;
  await Promise.all(processes.map((p) => p.close()));
  processes = [];
});

describe('projection leadership', () => {
  it('one process leads each projection; the other applies nothing and its waitForPosition follows the leader', async () => {
    const first = openProcess();
    const second = openProcess();
    first.daemon.start();
    await expect.poll(() => leaders(first), { timeout: 5_000 }).toEqual(names);
    second.daemon.start();
    // Several retry intervals: the stand-by keeps trying and never gets a lock the leader holds.
    await new Promise((r) => setTimeout(r, RETRY_MS * 4));
    expect(leaders(first)).toEqual(names);
    expect(leaders(second)).toEqual([]);
    expect(second.daemon.status().every((s) => s.running && !s.leader)).toBe(true);

    const last = await append();
    // The stand-by's wait resolves from the checkpoint table, once the leader has applied the batch.
    await second.daemon.waitForPosition(last, 10_000);
    for (const name of names)
      expect(comparePositions(await readCheckpoint(db.knex, name), last)).toBeGreaterThanOrEqual(0);
    await expectAppliedOnce();
    // Its status shows the leader's checkpoint.
    await expect
      .poll(() => second.daemon.status().every((s) => comparePositions(s.checkpoint, last) >= 0), {
        timeout: 5_000,
      })
      .toBe(true);
    // Both lock holders are visible to an operator in pg_locks: one backend holds both projections' locks.
    const { rows } = await db.pool.query<{ pid: number; n: string }>(
      `SELECT pid, count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted
       AND pid IN ($1, $2) GROUP BY pid`,
      [first.daemon.leadershipBackendPid, second.daemon.leadershipBackendPid ?? 0],
    );
    expect(rows).toEqual([{ pid: first.daemon.leadershipBackendPid, n: '2' }]);
  });

  it('when the leader loses its lock connection it stops applying, and the stand-by takes over and catches up', async () => {
    const first = openProcess();
    const second = openProcess();
    first.daemon.start();
    await expect.poll(() => leaders(first), { timeout: 5_000 }).toEqual(names);
    second.daemon.start();
    await second.daemon.waitForPosition(await append(), 10_000);

    // The server drops the leader's lock connection (as after a network cut or an administrator).
    const pid = first.daemon.leadershipBackendPid;
    expect(pid).toBeDefined();
    const dropped = Date.now();
    await db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
    await expect.poll(() => leaders(first), { timeout: 2_000, interval: 20 }).toEqual([]);
    // Within one retry interval (plus the time a try takes): the stand-by's next try finds the locks free.
    await expect.poll(() => leaders(second), { timeout: 5_000, interval: 20 }).toEqual(names);
    expect(Date.now() - dropped).toBeLessThan(RETRY_MS + 700);

    // The old leader reconnects and keeps trying, but the locks are the new leader's now.
    const last = await append();
    await first.daemon.waitForPosition(last, 10_000);
    await second.daemon.waitForPosition(last, 10_000);
    await new Promise((r) => setTimeout(r, RETRY_MS * 3));
    expect(leaders(first)).toEqual([]);
    expect(leaders(second)).toEqual(names);
    await expectAppliedOnce();
  });

  it('a leader that stops hands over: events appended while nobody led are applied by the new leader, once', async () => {
    const first = openProcess();
    const second = openProcess();
    first.daemon.start();
    await expect.poll(() => leaders(first), { timeout: 5_000 }).toEqual(names);
    second.daemon.start();
    await second.daemon.waitForPosition(await append(), 10_000);

    await first.close();
    const last = await append(4, 30); // more than a batch of 20 per projection
    const waited = Date.now();
    await second.daemon.waitForPosition(last, RETRY_MS * 3 + 10_000);
    expect(Date.now() - waited).toBeLessThan(RETRY_MS * 3 + 10_000);
    expect(leaders(second)).toEqual(names);
    await expectAppliedOnce();
  });

  it('a stale leader racing the new one at takeover: the checkpoint row decides, the batch is applied once', async () => {
    const [projection] = projections;
    const runner = () =>
      new ProjectionRunner({ projection: projection!, store: writer, knex: db.knex, logger });
    const store = writer;
    const head = await store.headPosition(); // earlier tests' events are behind this test's checkpoint
    await db.knex('projection_checkpoints').insert({
      projection_name: projection!.name,
      position_commit: head.commit.toString(),
      position_prepare: head.prepare.toString(),
    });
    const last = await append(1, 10);
    const stale = runner();
    const fresh = runner();
    // Both have read the same checkpoint and the same events: the old leader (its lock lost while it was
    // stalled) and the new one (took the lock, read the checkpoint) start the same batch.
    let open!: () => void;
    let reached!: () => void;
    const inHandler = new Promise<void>((resolve) => (reached = resolve));
    gate = { reached, open: new Promise<void>((resolve) => (open = resolve)) };
    const staleBatch = stale.processBatch(); // locks the checkpoint row, then waits in the handler
    await inHandler;
    const freshBatch = fresh.processBatch(); // waits for the row lock
    await expect
      .poll(
        async () =>
          Number(
            (
              await db.knex.raw(
                `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
              )
            ).rows[0].n,
          ),
        { timeout: 5_000, interval: 20 },
      )
      .toBe(1);
    open();
    gate = undefined;
    const [staleRead, freshRead] = await Promise.all([staleBatch, freshBatch]);
    expect(staleRead).toBe(10);
    expect(freshRead).toBe(0); // refused by the compare-and-set: moved on to where the other left off
    expect(fresh.status().checkpoint).toEqual(last);
    expect(await readCheckpoint(db.knex, projection!.name)).toEqual(last);
    expect(await appliedCounts()).toEqual({ [projection!.name]: { n: 10, distinct: 10 } });
  });
});
