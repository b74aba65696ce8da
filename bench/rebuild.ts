// rebuild: 1,000,000 mixed events (a fleet's days of account, capacity, aggregation and classification
// sessions with their records, accounts, capacity, aggregation and assignment events, a classification
// catalog, tags on instances: test/support/mixedLog.ts) rebuilt into every read model. Same run:
// (a) reading the whole log once doing nothing, (b) writing every read table's final rows into an empty
// twin, (c) the all-in-one rebuild (one read of the log feeds every projection), (d) the sum of the
// single-projection rebuilds. Targets: (c) <= 2 x (a + b), and (d) / (c) >= 3.
// BENCH_SCALE scales the fleet (0.1 -> 100 instances, about 100,000 events); generation is not measured.
import { performance } from 'node:perf_hooks';
import { createKnex } from '../src/adapters/db/knex.js';
import { PostgresEventStore } from '../src/adapters/eventStore/postgresEventStore.js';
import { decodeKnown } from '../src/adapters/eventStore/validatingEventStore.js';
import { createEventRegistry } from '../src/domain/eventTypes.js';
import { createLogger } from '../src/logger.js';
import { allProjections } from '../src/projections/index.js';
import { rebuildProjection, rebuildProjections } from '../src/projections/rebuild.js';
import { logWriter } from '../test/support/logWriter.js';
import { eventsPerInstanceDay, mixedLog } from '../test/support/mixedLog.js';
import { readWholeLog, rowCounts, untilLogVisible, writeFinalRows } from './rebuildMeasures.js';
import { openBenchDatabase, type BenchContext } from './support.js';

export const about =
  '1,000,000 mixed events into every read model: all-in-one rebuild vs reading the log, writing the rows, single rebuilds';

const scale = Number(process.env.BENCH_SCALE ?? '1') || 1;
const EVENTS = Math.round(1_000_000 * scale);
const INSTANCES = Math.max(10, Math.round(1000 * scale));
const DAYS = Math.ceil(EVENTS / (INSTANCES * eventsPerInstanceDay));
const BATCH = 5000;
const PARALLEL = 4;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const s = (sec: number) => `${sec.toFixed(1)} s`;
const verdict = (met: boolean) => (met ? 'PASS' : 'MISS');

export async function run(_ctx: BenchContext): Promise<void> {
  const db = await openBenchDatabase();
  const store = new PostgresEventStore(db.pool);
  const logger = createLogger({ level: 'warn' });
  const decode = decodeKnown(createEventRegistry());
  const tables = allProjections.flatMap((p) => p.tables);
  // The all-in-one rebuild applies up to 4 projections at once, each on its own connection.
  const wide = createKnex(db.url, { max: PARALLEL + 1 });
  const out = (line = '') => process.stdout.write(`${line}\n`);
  try {
    process.stderr.write(`writing about ${fmt(EVENTS)} events (${INSTANCES} instances, ${DAYS} days)...\n`);
    const writer = logWriter(db.knex, { validateEvery: 20 });
    for (const day of mixedLog({
      instances: INSTANCES,
      days: DAYS,
      accountsPerInstance: 10,
      databasesPerInstance: 5,
    }))
      await writer.write(day);
    const events = await writer.finish();
    await db.knex.raw('VACUUM ANALYZE events');
    await untilLogVisible(db.knex, store);
    const { rows: size } = await db.knex.raw<{ rows: { size: string }[] }>(
      `SELECT pg_size_pretty(pg_total_relation_size('events')) AS size`,
    );

    process.stderr.write('(a) reading the log once...\n');
    const read = await readWholeLog(store, BATCH);
    if (read.events !== events) throw new Error(`read ${read.events} events, wrote ${events}`);

    process.stderr.write('(c) all-in-one rebuild...\n');
    const applied = new Map<string, number>();
    const started = performance.now();
    await rebuildProjections({
      projections: allProjections,
      store,
      knex: wide,
      logger,
      decode,
      batchSize: BATCH,
      parallel: PARALLEL,
      onApplied: (name, ms) => applied.set(name, (applied.get(name) ?? 0) + ms),
    });
    const allInOne = (performance.now() - started) / 1000;
    const after = await rowCounts(db.knex, tables);

    process.stderr.write('(b) writing the final rows...\n');
    const written = await writeFinalRows(db.knex, tables, BATCH);

    process.stderr.write('(d) single-projection rebuilds...\n');
    const singles: { name: string; seconds: number }[] = [];
    for (const projection of allProjections) {
      const t0 = performance.now();
      await rebuildProjection({ projection, store, knex: db.knex, logger, decode, batchSize: BATCH });
      singles.push({ name: projection.name, seconds: (performance.now() - t0) / 1000 });
    }
    const sumSingles = singles.reduce((sum, x) => sum + x.seconds, 0);
    const afterSingles = await rowCounts(db.knex, tables);
    const differ = tables.filter((t) => after[t] !== afterSingles[t]);
    if (differ.length > 0)
      throw new Error(`the single rebuilds left other row counts in ${differ.join(', ')}`);

    const bound = 2 * (read.seconds + written.seconds);
    const speedup = sumSingles / allInOne;
    const applyTotal = [...applied.values()].reduce((a, b) => a + b, 0) / 1000;
    out();
    out(
      'rebuild: every read model from 1 read of the log (all-in-one) vs reading, writing the final rows, single rebuilds',
    );
    out(
      `machine: ${db.server}; batches of ${fmt(BATCH)} events / rows; (c) applies ${PARALLEL} projections at once; other work may share the machine`,
    );
    out(`log: ${fmt(events)} events (${INSTANCES} instances x ${DAYS} days), events table ${size[0]!.size}`);
    out();
    out(
      `(a) read the whole log once (readAll, nothing done):   ${s(read.seconds)}  (${fmt(events / read.seconds)} events/s)`,
    );
    out(
      `(b) write every read table's final rows (${fmt(written.rows)} rows, ${tables.length} tables):  ${s(written.seconds)}`,
    );
    out(
      `(c) all-in-one rebuild of every read model:            ${s(allInOne)}  (${fmt(events / allInOne)} events/s)`,
    );
    out(`(d) sum of the ${singles.length} single-projection rebuilds:       ${s(sumSingles)}`);
    out();
    out(
      `profile of (c): time in each projection's handler, summed over the batches (up to ${PARALLEL} run at once, so they overlap; reading is (a)):`,
    );
    for (const [name, ms] of [...applied].sort((x, y) => y[1] - x[1]))
      out(`  ${name.padEnd(28)} ${s(ms / 1000).padStart(8)}`);
    out(`  ${'(sum)'.padEnd(28)} ${s(applyTotal).padStart(8)}`);
    out('(d) per projection:');
    for (const x of singles) out(`  ${x.name.padEnd(28)} ${s(x.seconds).padStart(8)}`);
    out('(b) per table, rows:');
    for (const x of written.perTable)
      out(`  ${x.table.padEnd(36)} ${fmt(x.rows).padStart(10)}  ${s(x.seconds).padStart(8)}`);
    out();
    const boundMet = allInOne <= bound;
    const speedupMet = speedup >= 3;
    out(
      `target: (c) <= 2 x (a + b) = ${s(bound)}: (c) = ${s(allInOne)}, ${(allInOne / (read.seconds + written.seconds)).toFixed(2)} x (a + b)  ${verdict(boundMet)}`,
    );
    out(`target: (c) at least 3x faster than (d): ${speedup.toFixed(2)}x  ${verdict(speedupMet)}`);
    out(
      boundMet && speedupMet
        ? 'summary: PASS (every target met)'
        : 'summary: MISS (see the targets marked MISS; targets, not assertions)',
    );
  } finally {
    await store.close();
    await wide.destroy();
    await db.close();
  }
}
