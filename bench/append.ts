// append: the PostgreSQL event store's append throughput against a same-run baseline.
// Store: single-event appends with an exact expected revision (1 and 8 concurrent writers, each on its
// own stream) and 100-event batches (8 writers). Baseline: the same rows, with the same transaction
// pattern (one autocommit statement per event or per batch) and the same pool, inserted into a table
// with the same columns but no checks. Targets: >= 60 % of the baseline for 8-writer single events,
// >= 70 % for 100-event batches. Below-target results are printed, not failed (exit code 0).
import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { PostgresEventStore } from '../src/adapters/eventStore/postgresEventStore.js';
import type { EventData } from '../src/domain/events/envelope.js';
import { testMetadata } from '../test/support/eventFactory.js';
import {
  openBenchDatabase,
  report,
  type BenchContext,
  type BenchDatabase,
  type ReportRow,
} from './support.js';

interface Case {
  name: string;
  writers: number;
  batchSize: number;
  /** Events appended in the measured part, over all writers. */
  events: number;
  /** Appends (operations) per run before the clock starts, over all writers. */
  warmupOps: number;
  targetPercent?: number;
}

// BENCH_SCALE (default 1) scales the measured counts, e.g. 0.1 for a quick smoke run.
const scale = Number(process.env.BENCH_SCALE ?? '1') || 1;
// Best of 3 runs per side: commit latency (fsync) on shared disks varies a lot from run to run.
const ROUNDS = 3;

const cases: Case[] = [
  { name: '1 writer, single-event appends', writers: 1, batchSize: 1, events: 3_000, warmupOps: 300 },
  {
    name: '8 writers, single-event appends',
    writers: 8,
    batchSize: 1,
    events: 16_000,
    warmupOps: 400,
    targetPercent: 60,
  },
  {
    name: '8 writers, 100-event batches',
    writers: 8,
    batchSize: 100,
    events: 200_000,
    warmupOps: 200,
    targetPercent: 70,
  },
];

export const about = 'event store append throughput vs. a plain-insert baseline (about 1 minute)';

/** Appends `events` to `streamId`, whose last revision is `before` (-1n: the stream does not exist yet). */
type AppendFn = (streamId: string, before: bigint, events: EventData[]) => Promise<void>;

// A realistic event: ~210 bytes of data (JSON) and full metadata, built like test/support/eventFactory.ts.
function syncEvent(sessionId: string, instanceId: string, n: number): EventData {
  return {
    eventId: randomUUID(),
    type: 'TableBatchCopied',
    schemaVersion: 1,
    data: {
      sessionId,
      instanceId,
      table: 'public.order_lines',
      batch: n,
      rowsCopied: 5_000,
      bytesCopied: 1_843_712,
      lastKey: `${100_000 + n * 5_000}`,
      checksum: randomBytes(8).toString('hex'),
    },
    metadata: testMetadata({
      causationId: randomUUID(),
      actor: { kind: 'scheduler', id: 'sync-scheduler' },
      sessionId,
      instanceId,
    }),
  };
}

const storeAppender = (store: PostgresEventStore): AppendFn => {
  return async (streamId, before, events) => {
    const expectedRevision = before < 0n ? 'no_stream' : before;
    const result = await store.append(streamId, events, { expectedRevision });
    if (result.nextExpectedRevision !== before + BigInt(events.length)) {
      throw new Error(`unexpected next revision ${result.nextExpectedRevision} on ${streamId}`);
    }
  };
};

const BASELINE_DDL = `
  DROP TABLE IF EXISTS bench_baseline_events;
  -- The columns and types of events, with only a primary key on global_position: no other constraint
  -- (not even NOT NULL), no other index, no streams table and no function call.
  CREATE TABLE bench_baseline_events (
    global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id  xid8 DEFAULT pg_current_xact_id(),
    stream_id       text,
    stream_revision bigint,
    event_id        uuid,
    type            text,
    schema_version  integer,
    data            jsonb,
    metadata        jsonb,
    created_at      timestamptz DEFAULT now()
  );`;

const INSERT_ONE = `INSERT INTO bench_baseline_events
  (stream_id, stream_revision, event_id, type, schema_version, data, metadata)
  VALUES ($1, $2, $3, $4, $5, $6, $7)`;

// The same unnest ... WITH ORDINALITY insert as wf_append, as one autocommit statement.
const INSERT_BATCH = `INSERT INTO bench_baseline_events
  (stream_id, stream_revision, event_id, type, schema_version, data, metadata)
  SELECT $1, $2::bigint + i.ord, i.id, i.type, i.version, i.data, i.meta
  FROM unnest($3::uuid[], $4::text[], $5::int[], $6::jsonb[], $7::jsonb[])
    WITH ORDINALITY AS i(id, type, version, data, meta, ord)
  ORDER BY i.ord`;

const baselineAppender = (pool: pg.Pool): AppendFn => {
  return async (streamId, before, events) => {
    if (events.length === 1) {
      const e = events[0]!;
      const params = [streamId, (before + 1n).toString(), e.eventId, e.type, e.schemaVersion];
      await pool.query(INSERT_ONE, [...params, JSON.stringify(e.data), JSON.stringify(e.metadata)]);
      return;
    }
    await pool.query(INSERT_BATCH, [
      streamId,
      before.toString(),
      events.map((e) => e.eventId),
      events.map((e) => e.type),
      events.map((e) => e.schemaVersion),
      events.map((e) => JSON.stringify(e.data)),
      events.map((e) => JSON.stringify(e.metadata)),
    ]);
  };
};

/** One writer: its own stream, `ops` appends of `batchSize` events, tracking the stream's revision. */
class Writer {
  private readonly sessionId = randomUUID();
  private readonly streamId = `session-${this.sessionId}`;
  private revision = -1n;
  private n = 0;

  constructor(
    private readonly append: AppendFn,
    private readonly batchSize: number,
  ) {}

  async run(ops: number): Promise<void> {
    for (let op = 0; op < ops; op++) {
      const events = Array.from({ length: this.batchSize }, () =>
        syncEvent(this.sessionId, 'instance-eu-1', this.n++),
      );
      await this.append(this.streamId, this.revision, events);
      this.revision += BigInt(events.length);
    }
  }
}

// Interleaved so that a slow stretch of the disk hits both sides: store first in even rounds.
const orderOf = (round: number) =>
  round % 2 === 0 ? (['store', 'baseline'] as const) : (['baseline', 'store'] as const);

const share = (total: number, writers: number, i: number) =>
  Math.floor(total / writers) + (i < total % writers ? 1 : 0);

/** Rows per second of one run: fresh tables, a checkpoint, warm-up, then the timed appends. */
async function measure(db: BenchDatabase, c: Case, append: AppendFn): Promise<number> {
  await db.pool.query('TRUNCATE events, streams, bench_baseline_events');
  await db.pool.query('CHECKPOINT'); // so a checkpoint forced by the previous run does not land in this one
  const writers = Array.from({ length: c.writers }, () => new Writer(append, c.batchSize));
  // The warm-up also creates each writer's stream: every timed append passes a bigint revision.
  await Promise.all(writers.map((w, i) => w.run(Math.max(1, share(c.warmupOps, c.writers, i)))));
  const ops = Math.max(c.writers, Math.round((c.events * scale) / c.batchSize));
  const start = process.hrtime.bigint();
  await Promise.all(writers.map((w, i) => w.run(share(ops, c.writers, i))));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return (ops * c.batchSize) / seconds;
}

export async function run(_ctx: BenchContext): Promise<void> {
  const db = await openBenchDatabase();
  const store = new PostgresEventStore(db.pool);
  try {
    await db.pool.query(BASELINE_DDL);
    const sides = { store: storeAppender(store), baseline: baselineAppender(db.pool) };
    const rows: ReportRow[] = [];
    for (const c of cases) {
      const best = { store: 0, baseline: 0 };
      for (let round = 0; round < ROUNDS; round++) {
        const order = orderOf(round);
        for (const side of order) {
          const rate = await measure(db, c, sides[side]);
          best[side] = Math.max(best[side], rate);
          process.stderr.write(`  ${c.name}: ${side} run ${round + 1}: ${Math.round(rate)} rows/s\n`);
        }
      }
      rows.push({
        case: c.name,
        rowsPerSec: best.store,
        baselineRowsPerSec: best.baseline,
        targetPercent: c.targetPercent,
      });
    }
    const interleaving = Array.from({ length: ROUNDS }, (_, r) => orderOf(r).join(', ')).join(', ');
    const counts = cases.map((c) => Math.round(c.events * scale).toLocaleString('en-US')).join(' / ');
    report('append: PostgreSQL event store (wf_append) vs. plain-insert baseline', rows, {
      server: db.server,
      notes: [
        `each figure: best of ${ROUNDS} runs per side, interleaved (${interleaving}); before each run the`,
        '  tables are truncated, a CHECKPOINT is taken and the writers warm up (which creates their streams)',
        `events per run: ${counts}${scale === 1 ? '' : ` (BENCH_SCALE=${scale})`}; one pool of 16 for both sides`,
        'baseline: bench_baseline_events (same columns, primary key only), one autocommit INSERT ... VALUES',
        '  per event, or one INSERT ... SELECT FROM unnest(...) per 100-event batch',
      ],
    });
  } finally {
    await store.close();
    await db.close();
  }
}
