// tags: bulk assignment of 5 tags to 10,000 instances through the real bulk tags command (makeBulkTags,
// src/commands/tags/bulk.ts, with real SessionRunDeps on real PostgreSQL), in requests of at most 1,000
// instances (the API's limit, BULK_LIMITS), one after the other as a client splitting its list would send
// them, at the command's default concurrency. Setup, not measured: the instances registered through the
// real register command (no credential: tagging opens no connection), the 5 tags created with makeCreateTag.
// Measured: instances/s and the total time. Baseline, same run: one multi-row INSERT of the same
// (instance_id, tag_id) rows into a scratch join table with the same primary key (best of 3).
// Target: >= 200 instances/s, so that a 1,000-instance request answers within 5 s; PASS/MISS, not failed.
// Checked after: every instance holds exactly the 5 tags in instance_tag_index and has exactly one
// InstanceTagged event (naming the 5). Every store call is timed per phase (phaseTimer.ts) and printed.
// BENCH_SCALE scales the instances (0.1 -> 1,000). BENCH_CPU_PROFILE=dir writes a CPU profile of the
// measured part there.
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import type pg from 'pg';
import { createKnex } from '../src/adapters/db/knex.js';
import { PostgresEventStore } from '../src/adapters/eventStore/postgresEventStore.js';
import { validatingEventStore } from '../src/adapters/eventStore/validatingEventStore.js';
import { generateKey } from '../src/adapters/keyring/keyring.js';
import { newEvent, type CommandContext } from '../src/commands/commandContext.js';
import { makeRegisterInstance } from '../src/commands/instances.js';
import type { SessionRunDeps } from '../src/commands/sync/runSession.js';
import { BULK_LIMITS, makeBulkTags } from '../src/commands/tags/bulk.js';
import { makeCreateTag } from '../src/commands/tags/tags.js';
import { createEventRegistry } from '../src/domain/eventTypes.js';
import { createLogger } from '../src/logger.js';
import { postmasterPid } from './classifySetup.js';
import { startProfile } from './cpuProfile.js';
import { cpuBetween, describeCpu, sampleCpu } from './cpuUsage.js';
import { phaseTimer } from './phaseTimer.js';
import { openBenchDatabase, report, type BenchContext } from './support.js';

export const about =
  'bulk-assign 5 tags to 10,000 instances in 1,000-instance requests vs. one multi-row insert (target >= 200 instances/s)';

const scale = Number(process.env.BENCH_SCALE ?? '1') || 1;
const INSTANCES = Math.max(10, Math.round(10_000 * scale));
const TAGS = 5;
const REQUEST = BULK_LIMITS.instances;
/** The bulk command's default (what the API runs at). */
const CONCURRENCY = 8;
const TARGET_PER_SEC = 200;
const BASELINE_ROUNDS = 3;
const COMMIT_PROBES = 200;
const LOOP_SAMPLE_MS = 10;
const lag = (ns: number) => Math.max(0, ns / 1e6 - LOOP_SAMPLE_MS).toFixed(1);

/** Transactions committed in this database so far (the statistics of every backend flushed first). */
async function commits(pool: pg.Pool): Promise<number> {
  await new Promise((r) => setTimeout(r, 1500)); // other backends flush their statistics within 1 s
  const { rows } = await pool.query<{ n: string }>(
    'SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()',
  );
  return Number(rows[0]!.n);
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const say = (line: string) => process.stderr.write(`${line}\n`);
const seconds = (since: number) => (performance.now() - since) / 1000;

export async function run(_ctx: BenchContext): Promise<void> {
  const db = await openBenchDatabase();
  // The service's own pool size for knex (createKnex's default, 10): the bench database's knex has 2.
  const knex = createKnex(db.url);
  const raw = new PostgresEventStore(db.pool);
  try {
    const store = validatingEventStore(raw, createEventRegistry());
    const ring = { current: generateKey(), previous: [] };
    const deps: SessionRunDeps = {
      knex,
      pool: db.pool,
      store,
      keyring: () => ring,
      logger: createLogger({ level: 'warn' }),
    };
    const ctx: CommandContext = {
      actor: { kind: 'user', id: 'bench' },
      correlationId: 'bench-tags',
      now: new Date(),
    };

    say(`registering ${fmt(INSTANCES)} instances and creating ${TAGS} tags (not measured)...`);
    const setupStarted = performance.now();
    const register = makeRegisterInstance({ knex, store });
    const limit = pLimit(10);
    const instanceIds = await Promise.all(
      Array.from({ length: INSTANCES }, (_, i) =>
        limit(async () => {
          const { id } = await register(
            {
              name: `bench-tags-${String(i).padStart(5, '0')}`,
              dbType: i % 2 === 0 ? 'mysql' : 'postgresql',
              host: '127.0.0.1',
              port: i % 2 === 0 ? 3306 : 5432,
              databaseName: null,
              credentialId: null,
              description: '',
            },
            ctx,
            { allowDuplicate: true },
          );
          return id;
        }),
      ),
    );
    const createTag = makeCreateTag({ knex, store });
    const tagIds: string[] = [];
    for (const name of ['prod', 'pci', 'eu-west', 'tier:1', 'backup.daily']) {
      const { id } = await createTag(
        { name, displayName: name, category: 'bench', color: 'blue', description: '' },
        ctx,
      );
      tagIds.push(id);
    }
    await knex.raw('VACUUM ANALYZE');
    say(`  done in ${seconds(setupStarted).toFixed(1)} s`);

    // Measured: the requests one after the other, each answered with its receipt.
    const timer = phaseTimer(deps);
    const bulkTags = makeBulkTags(timer.deps);
    const serverPid = await postmasterPid(db);
    const cpuBefore = sampleCpu(serverPid ? { 'PostgreSQL server': serverPid } : {});
    const commitsBefore = await commits(db.pool);
    const loopDelay = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
    loopDelay.enable();
    const profiling = await startProfile();
    const requestSec: number[] = [];
    let applied = 0;
    let failed = 0;
    const t0 = performance.now();
    for (let from = 0; from < INSTANCES; from += REQUEST) {
      const r0 = performance.now();
      const receipt = await bulkTags(
        { action: 'assign', instanceIds: instanceIds.slice(from, from + REQUEST), tagIds },
        ctx,
        { concurrency: CONCURRENCY },
      );
      requestSec.push(seconds(r0));
      applied += receipt.counts.applied;
      failed += receipt.counts.failed + receipt.counts.unchanged;
      say(
        `  request ${requestSec.length}: ${receipt.items.length} instances in ${requestSec.at(-1)!.toFixed(2)} s (${receipt.counts.applied} applied, ${receipt.counts.failed} failed)`,
      );
    }
    const wallSec = seconds(t0);
    loopDelay.disable();
    await profiling?.stop('tags bulk assign');
    const cpu = cpuBetween(cpuBefore, sampleCpu(serverPid ? { 'PostgreSQL server': serverPid } : {}));
    const perSec = INSTANCES / wallSec;
    const commitsPerInstance = ((await commits(db.pool)) - commitsBefore) / INSTANCES;

    // Checked: the index rows and the events are exactly what the requests asked for.
    const { rows: held } = await db.pool.query<{ five: number; other: number }>(
      `SELECT count(*) FILTER (WHERE n = $1)::int AS five, count(*) FILTER (WHERE n <> $1)::int AS other
       FROM (SELECT instance_id, count(*) AS n FROM instance_tag_index GROUP BY instance_id) x`,
      [TAGS],
    );
    const { rows: tagged } = await db.pool.query<{ once: number; other: number; full: number }>(
      `SELECT count(*) FILTER (WHERE n = 1)::int AS once, count(*) FILTER (WHERE n <> 1)::int AS other,
              count(*) FILTER (WHERE n = 1 AND tags = $1)::int AS full
       FROM (SELECT stream_id, count(*) AS n, max(jsonb_array_length(data->'tags')) AS tags
             FROM events WHERE type = 'InstanceTagged' GROUP BY stream_id) x`,
      [TAGS],
    );
    const indexOk = held[0]!.five === INSTANCES && held[0]!.other === 0;
    const eventsOk = tagged[0]!.once === INSTANCES && tagged[0]!.other === 0 && tagged[0]!.full === INSTANCES;

    // Baseline: the same rows in one multi-row INSERT (unnest of two arrays: 2 bind parameters, where
    // VALUES lists would exceed the 65,535 limit) into a join table with the same primary key.
    await db.pool.query(
      'CREATE TABLE bench_tags_baseline (instance_id uuid, tag_id uuid, PRIMARY KEY (instance_id, tag_id))',
    );
    const pairs = instanceIds.flatMap((i) => tagIds.map((t) => [i, t] as const));
    let baselineSec = Infinity;
    for (let round = 0; round < BASELINE_ROUNDS; round++) {
      await db.pool.query('TRUNCATE bench_tags_baseline');
      const b0 = performance.now();
      await db.pool.query(
        'INSERT INTO bench_tags_baseline (instance_id, tag_id) SELECT * FROM unnest($1::uuid[], $2::uuid[])',
        [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
      );
      baselineSec = Math.min(baselineSec, seconds(b0));
    }
    const baselinePerSec = INSTANCES / baselineSec;

    // For the explanation: the latency of one durable commit here (sequential autocommit inserts). A
    // session's writer groups the record events that arrive while an append is in flight into one append.
    await db.pool.query('CREATE TABLE bench_tags_commit (n int)');
    const c0 = performance.now();
    for (let n = 0; n < COMMIT_PROBES; n++)
      await db.pool.query('INSERT INTO bench_tags_commit VALUES ($1)', [n]);
    const commitMs = (1000 * seconds(c0)) / COMMIT_PROBES;
    // And one event appended through the store, one after the other on one stream: the writer's worst case.
    const probeStream = `session-${randomUUID()}`;
    const a0 = performance.now();
    for (let n = 0; n < COMMIT_PROBES; n++)
      await raw.append(probeStream, [newEvent(ctx, 'BenchProbe', { n })], {
        expectedRevision: n === 0 ? 'no_stream' : BigInt(n - 1),
      });
    const appendMs = (1000 * seconds(a0)) / COMMIT_PROBES;

    // Printed after the report, counted in its summary (the 200 instances/s target is the table's row).
    const receiptsOk = applied === INSTANCES && failed === 0;
    const below = [receiptsOk, indexOk, eventsOk];
    report(
      `tags: bulk assign ${TAGS} tags to ${fmt(INSTANCES)} instances in requests of ${fmt(REQUEST)} (concurrency ${CONCURRENCY})`,
      [
        {
          case: 'bulkTags assign, instances/s',
          rowsPerSec: perSec,
          baselineRowsPerSec: baselinePerSec,
          // The target is absolute (200 instances/s), expressed as the share of this run's baseline.
          targetPercent: Number(((100 * TARGET_PER_SEC) / baselinePerSec).toFixed(2)),
        },
      ],
      {
        server: db.server,
        notes: [
          `${fmt(INSTANCES)} instances x ${TAGS} tags = ${fmt(INSTANCES * TAGS)} (instance, tag) rows${scale === 1 ? '' : ` (BENCH_SCALE=${scale})`}`,
          `bulkTags: ${requestSec.length} sequential requests, total ${wallSec.toFixed(2)} s, ` +
            `per request ${Math.min(...requestSec).toFixed(2)} .. ${Math.max(...requestSec).toFixed(2)} s; ` +
            describeCpu(cpu, INSTANCES, wallSec),
          `baseline: one INSERT ... SELECT FROM unnest(...) of the ${fmt(INSTANCES * TAGS)} rows into ` +
            `bench_tags_baseline (primary key (instance_id, tag_id)), ${(baselineSec * 1000).toFixed(0)} ms (best of ${BASELINE_ROUNDS})`,
          `target: >= ${TARGET_PER_SEC} instances/s, shown as its share of the baseline`,
          `transactions: ${commitsPerInstance.toFixed(1)} per instance during the requests (pg_stat_database xact_commit, ` +
            `read-only statements included); event loop delay meanwhile (beyond the ${LOOP_SAMPLE_MS} ms sampling interval): ` +
            `mean ${lag(loopDelay.mean)} ms, p99 ${lag(loopDelay.percentile(99))} ms, max ${lag(loopDelay.max)} ms`,
          `alone, one after the other: a durable commit ${commitMs.toFixed(2)} ms (autocommit insert), a store append of ` +
            `one event to one stream ${appendMs.toFixed(2)} ms (each the mean of ${COMMIT_PROBES}); a session writer that appended ` +
            `its 2 events per record one at a time would top out at ${fmt(1000 / (2 * appendMs))} instances/s (it groups them)`,
        ],
        below,
      },
    );
    const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
    const ratio = baselinePerSec / perSec;
    process.stdout.write(
      [
        `bulkTags ${fmt(perSec)} instances/s vs. baseline ${fmt(baselinePerSec)} instances/s: the baseline is ${ratio.toFixed(0)}x faster`,
        `target >= ${TARGET_PER_SEC} instances/s (a ${fmt(REQUEST)}-instance request within ${(REQUEST / TARGET_PER_SEC).toFixed(0)} s): ` +
          `${fmt(perSec)} instances/s, slowest request ${Math.max(...requestSec).toFixed(2)} s: ${verdict(perSec >= TARGET_PER_SEC)}`,
        `receipts: ${fmt(applied)} applied, ${fmt(failed)} failed or unchanged: ${verdict(receiptsOk)}`,
        `instance_tag_index: ${fmt(held[0]!.five)} instances with exactly ${TAGS} tags, ${fmt(held[0]!.other)} with another count: ${verdict(indexOk)}`,
        `events: ${fmt(tagged[0]!.once)} instances with exactly one InstanceTagged (${fmt(tagged[0]!.full)} naming all ${TAGS}), ` +
          `${fmt(tagged[0]!.other)} with another count: ${verdict(eventsOk)}`,
        '',
        ...timer.take({
          concurrency: CONCURRENCY,
          instances: INSTANCES,
          wallSec,
          events: 0,
          history: [],
          cpu,
        }),
        '',
      ].join('\n'),
    );
  } finally {
    await raw.close().catch(() => undefined);
    await knex.destroy();
    await db.close();
  }
}
