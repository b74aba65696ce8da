// capacity: a capacity collection (makeRunCapacityCollection) of BENCH_INSTANCES (default 200) registered
// instances, half pointing at the local MariaDB and half at the local PostgreSQL through the latency proxy
// (BENCH_RTT_MS, default 20 ms round trip: latencyProxy.ts), on each of which the benchmark creates 5
// databases with two tables of different sizes. The same work twice: concurrency 1, then 32. Target:
// concurrency 32 at least 16x the instances/s of concurrency 1 (printed, not failed). Then a third set at
// concurrency 32 with a blackholed instance among them (the proxy accepts and never answers) and a short
// deadline: it must cost only its own deadline (wall time <= the run without it + the deadline + 1 s).
//
// Each run collects its own set of instances, so that both are a first collection (no inventory yet:
// every database is "added") and do the same work; the same set twice would give the second run an
// inventory to compare with and a longer capacity stream. Every event store call, engine call and lock
// is timed (phaseTimer.ts) and printed per instance, to show where the time goes. The monitored servers,
// the collector and the cleanup are fleet.ts's.
import type mysql from 'mysql2/promise';
import pg from 'pg';
import { DEFAULT_CAPACITY_RETRY, makeRunCapacityCollection } from '../src/commands/sync/collectCapacity.js';
import { withDatabase } from '../test/support/net.js';
import {
  instancesPerSet,
  monitoredServers,
  PG_URL,
  prefix,
  say,
  withFleet,
  type Fleet,
  type FleetObjects,
} from './fleet.js';
import { proxyCpuLine, RTT_MS } from './latencyProxy.js';
import { roundTripsLine } from './roundTrips.js';
import type { BenchContext } from './support.js';
import {
  perEngine,
  reportSpeedUp,
  timeSession,
  timeSessions,
  type SessionStarter,
  type TimedSession,
} from './timeSession.js';

export const about =
  'capacity collection of 200 instances (MariaDB + PostgreSQL behind a 20 ms RTT proxy, 5 databases each) at concurrency 1 vs. 32, and with a blackholed instance';

const INSTANCES = instancesPerSet(200);
const DATABASES = 5;
/** Rows of the larger table in database i (1-based): i times this, so that sizes differ. */
const ROWS = 4000;
const DEADLINE_MS = 120_000;
const TARGET_PERCENT = 1600;
const CONCURRENCIES = [1, 32] as const;
/** The deadline of the run with the blackholed instance (every record's; the others need far less). */
const BLACKHOLE_DEADLINE_MS = 5_000;
/** What the blackholed instance may cost beyond its deadline (scheduling, the session's last events). */
const BLACKHOLE_SLACK_MS = 1_000;

const databaseName = (i: number) => `${prefix}_cap${i}`;
const databaseNumbers = Array.from({ length: DATABASES }, (_, i) => i + 1);

/** In each database a table of i x ROWS rows of ~200 bytes with a secondary index, and a small one. */
const databases: FleetObjects = {
  async mariadb(root: mysql.Connection) {
    for (const i of databaseNumbers) {
      const db = `\`${databaseName(i)}\``;
      await root.query(`CREATE DATABASE ${db}`);
      await root.query(
        `CREATE TABLE ${db}.items (id INT PRIMARY KEY AUTO_INCREMENT, code VARCHAR(40), body VARCHAR(200), KEY (code))`,
      );
      await root.query(
        `INSERT INTO ${db}.items (code, body) SELECT CONCAT('c', seq MOD 997), REPEAT('x', 200)
           FROM ${db}.seq_1_to_${i * ROWS}`,
      );
      await root.query(`CREATE TABLE ${db}.settings (name VARCHAR(40) PRIMARY KEY, value VARCHAR(200))`);
      await root.query(`INSERT INTO ${db}.settings VALUES ('schema', '${i}'), ('owner', 'bench')`);
      await root.query(`ANALYZE TABLE ${db}.items, ${db}.settings`);
    }
  },
  async postgresql(root: pg.Client) {
    for (const i of databaseNumbers) {
      await root.query(`CREATE DATABASE ${pg.escapeIdentifier(databaseName(i))}`);
      const client = new pg.Client({ connectionString: withDatabase(PG_URL, databaseName(i)) });
      client.on('error', () => undefined);
      await client.connect();
      try {
        await client.query(`CREATE TABLE items (id serial PRIMARY KEY, code text, body text);
          CREATE INDEX ON items (code);
          INSERT INTO items (code, body) SELECT 'c' || (n % 997), repeat('x', 200)
            FROM generate_series(1, ${i * ROWS}) n;
          CREATE TABLE settings (name text PRIMARY KEY, value text);
          INSERT INTO settings VALUES ('schema', '${i}'), ('owner', 'bench');
          ANALYZE`);
      } finally {
        await client.end();
      }
    }
  },
};

const retries = (r: TimedSession) => r.history.filter((e) => e.type === 'InstanceSyncRetried').length;

type Starter = (
  deps: Fleet['deps'],
  ids: string[],
  concurrency: number,
  deadlineMs?: number,
  retry?: { attempts: number; backoffMs: number },
) => ReturnType<SessionStarter>;

/**
 * The set `c` at concurrency 32 with a blackholed instance and a short deadline, against the run of set
 * `b` without it: the blackholed record fails at its deadline and holds one slot, nothing else.
 */
async function blackholeRun(fleet: Fleet, set: string[], without: TimedSession, start: Starter) {
  const blackholed = await fleet.registerBlackhole();
  if (!blackholed) return { met: true, line: 'blackholed instance: not run (BENCH_RTT_MS=0, no proxy)' };
  const ids = [...set, blackholed.id];
  const c = CONCURRENCIES.at(-1)!;
  const run = await timeSession(
    fleet,
    `capacity collection with a blackholed instance (deadline ${BLACKHOLE_DEADLINE_MS} ms)`,
    ids.length,
    c,
    // One attempt: the in-run retries (3 attempts, 2 s then 4 s apart) would cost 3 deadlines + 6 s.
    () => start(fleet.deps, ids, c, BLACKHOLE_DEADLINE_MS, { attempts: 1, backoffMs: 0 }),
    { mayFail: new Set([blackholed.id]) },
  );
  const failed = run.history.find(
    (e) => e.type === 'InstanceSyncFailed' && (e.data as { instanceId: string }).instanceId === blackholed.id,
  );
  const limitSec = without.wallSec + (BLACKHOLE_DEADLINE_MS + BLACKHOLE_SLACK_MS) / 1000;
  const met = failed !== undefined && run.wallSec <= limitSec;
  return {
    met,
    line:
      `blackholed instance: concurrency ${c}, ${set.length} instances + 1 blackholed, deadline ${BLACKHOLE_DEADLINE_MS} ms: ` +
      `1 attempt, ${run.wallSec.toFixed(2)} s wall vs. ${without.wallSec.toFixed(2)} s without it ` +
      `(target <= ${without.wallSec.toFixed(2)} + ${BLACKHOLE_DEADLINE_MS / 1000} + ${BLACKHOLE_SLACK_MS / 1000} = ${limitSec.toFixed(2)} s; ` +
      `the blackholed record ${failed ? `failed: ${JSON.stringify((failed.data as { message?: string }).message ?? '').slice(0, 120)}` : 'did not fail'})  ${met ? 'PASS' : 'MISS'}`,
  };
}

export async function run(_ctx: BenchContext): Promise<void> {
  say(`${DATABASES} databases per monitored server`);
  let ctx: Fleet['ctx'] | undefined;
  const start: Starter = (deps, ids, c, deadlineMs = DEADLINE_MS, retry = DEFAULT_CAPACITY_RETRY) =>
    makeRunCapacityCollection(deps, 'UTC', retry)({ instanceIds: ids }, 'manual_batch', ctx!, {
      concurrency: c,
      deadlineMs,
    });
  await withFleet(
    databases,
    async (fleet) => {
      ctx = fleet.ctx;
      say(`registering 3 x ${INSTANCES} instances...`);
      const sets = await fleet.register(['a', 'b', 'c'], INSTANCES);
      const { runs, phases, synced } = await timeSessions(
        fleet,
        'capacity collection',
        sets,
        CONCURRENCIES,
        start,
      );
      const proxyCpu = fleet.proxy ? [await proxyCpuLine(fleet.proxy, synced)] : [];
      const blackhole = await blackholeRun(
        fleet,
        sets[2]!.map((i) => i.id),
        runs.at(-1)!,
        start,
      );
      const all = sets.flat();
      const setOf = (r: TimedSession) => sets[runs.indexOf(r)]!;
      reportSpeedUp(
        `capacity: capacity collection of ${INSTANCES} instances (${INSTANCES / 2} MariaDB + ${INSTANCES / 2} PostgreSQL), concurrency ${CONCURRENCIES[1]} vs. ${CONCURRENCIES[0]}`,
        runs,
        {
          server: fleet.db.server,
          targetPercent: TARGET_PERCENT,
          phases,
          notes: [
            `monitored: ${monitoredServers}, ${DATABASES} databases created on each ` +
              `(the collection reads every database on the server)`,
            RTT_MS > 0
              ? `network: ${RTT_MS} ms round trip (bench/latencyProxy.ts, a child process; BENCH_RTT_MS)`
              : 'network: none (BENCH_RTT_MS=0: the instances point at the servers themselves)',
            ...proxyCpu,
          ],
          monitoredPostgres: fleet.cpuTrees['monitored PostgreSQL'],
          serviceCpuTargetMs: 4,
          below: [blackhole.met],
          detail: (r) =>
            `databases per instance: ${perEngine(all, r, (c) => c.itemsSynced)}, ` +
            `MB per instance: ${perEngine(all, r, (c) => Math.round(Number(c.details.totalSizeMb)))}, ` +
            `retries: ${retries(r)}; ${roundTripsLine(r, setOf(r))}`,
        },
      );
      process.stdout.write(`${blackhole.line}\n`);
    },
    // Above the default 16 for concurrency 32, below what the shared local server (100 connections) allows.
    { poolMax: 24 },
  );
}
