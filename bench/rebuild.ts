// rebuild: 1,000,000 events replayed into stream_catalog (one upserted row per stream) by the real
// rebuild path (twin tables, batches, swap). Baseline, same run: inserting the same final rows
// directly, in the same batch size. Target: >= 50,000 events/s.
import { performance } from 'node:perf_hooks';
import { PostgresEventStore } from '../src/adapters/eventStore/postgresEventStore.js';
import { createLogger } from '../src/logger.js';
import { rebuildProjection } from '../src/projections/rebuild.js';
import { streamCatalogProjection } from '../src/projections/streamCatalog/projection.js';
import { openBenchDatabase, report, type BenchContext } from './support.js';

export const about =
  '1,000,000 events replayed into a one-row-per-stream projection vs. inserting the final rows';

const scale = Number(process.env.BENCH_SCALE ?? '1');
const EVENTS = Math.round(1_000_000 * scale);
const EVENTS_PER_STREAM = 10;
const STREAMS = Math.max(1, Math.floor(EVENTS / EVENTS_PER_STREAM));
const BATCH = 5000;
const TARGET_EVENTS_PER_SEC = 50_000;

export async function run(_ctx: BenchContext): Promise<void> {
  const db = await openBenchDatabase();
  try {
    // The log is written with set-based SQL (not what we measure), in transactions of 20,000 events
    // so that transaction ids vary as they would in a real log.
    process.stderr.write(
      `writing ${EVENTS.toLocaleString('en-US')} events in ${STREAMS.toLocaleString('en-US')} streams...\n`,
    );
    const perTx = 20_000;
    for (let from = 0; from < EVENTS; from += perTx) {
      await db.knex.raw(
        `INSERT INTO events (stream_id, stream_revision, event_id, type, schema_version, data, metadata, created_at)
         SELECT 'session-' || (g % ?), g / ?, gen_random_uuid(), 'InstanceSyncCompleted', 1,
                jsonb_build_object('instanceId', g % 997, 'itemsSynced', g % 50, 'phase', 'permissions', 'note', repeat('x', 120)),
                jsonb_build_object('correlationId', gen_random_uuid(), 'causationId', null,
                  'actor', jsonb_build_object('kind', 'scheduler', 'id', 'bench'), 'occurredAt', now()),
                timestamptz '2026-01-01' + g * interval '1 second'
         FROM generate_series(?::bigint, ?::bigint) AS g`,
        [STREAMS, STREAMS, from, Math.min(from + perTx, EVENTS) - 1],
      );
    }
    await db.knex.raw(
      `INSERT INTO streams SELECT stream_id, max(stream_revision) FROM events GROUP BY stream_id`,
    );
    await db.knex.raw('VACUUM ANALYZE events');

    const store = new PostgresEventStore(db.pool);
    const logger = createLogger({ level: 'warn' });
    const started = performance.now();
    const result = await rebuildProjection({
      projection: streamCatalogProjection,
      store,
      knex: db.knex,
      logger,
      batchSize: BATCH,
    });
    const rebuildSec = (performance.now() - started) / 1000;
    await store.close();
    if (result.events !== EVENTS) throw new Error(`rebuild read ${result.events} events, expected ${EVENTS}`);
    const rows = Number((await db.knex('stream_catalog').count({ c: '*' }))[0]!.c);
    if (rows !== STREAMS) throw new Error(`stream_catalog has ${rows} rows, expected ${STREAMS}`);

    // Baseline: the same final rows, inserted straight into an equivalent empty table, BATCH rows per insert.
    const finalRows = await db.knex('stream_catalog').select('*');
    await db.knex.raw('CREATE TABLE bench_catalog (LIKE stream_catalog INCLUDING ALL)');
    const baseStarted = performance.now();
    for (let i = 0; i < finalRows.length; i += BATCH) {
      await db.knex('bench_catalog').insert(finalRows.slice(i, i + BATCH));
    }
    const baselineSec = (performance.now() - baseStarted) / 1000;

    const eventsPerSec = EVENTS / rebuildSec;
    report(
      'rebuild: stream_catalog from the event log (twin tables, batches of 5,000, swap) vs. inserting its final rows',
      [
        {
          case: `rebuild, ${EVENTS.toLocaleString('en-US')} events -> ${STREAMS.toLocaleString('en-US')} rows`,
          rowsPerSec: eventsPerSec,
          baselineRowsPerSec: EVENTS / baselineSec,
        },
      ],
      {
        server: db.server,
        notes: [
          `rebuild ${rebuildSec.toFixed(2)} s; baseline (insert the ${STREAMS.toLocaleString('en-US')} final rows) ${baselineSec.toFixed(2)} s;`,
          '  both columns are in events/s: the baseline divides the same event count by its own time',
        ],
      },
    );
    const met = eventsPerSec >= TARGET_EVENTS_PER_SEC;
    process.stdout.write(
      `target: >= ${TARGET_EVENTS_PER_SEC.toLocaleString('en-US')} events/s: ${Math.round(eventsPerSec).toLocaleString('en-US')} events/s  ${met ? 'PASS' : 'MISS'}\n`,
    );
  } finally {
    await db.close();
  }
}
