// capacity: a capacity collection (makeRunCapacityCollection) of BENCH_INSTANCES (default 500) registered
// instances, half pointing at the local MariaDB and half at the local PostgreSQL, on each of which the
// benchmark creates 5 databases with two tables of different sizes. The same work twice: concurrency 1,
// then 16. Target: concurrency 16 at least 6x the instances/s of concurrency 1 (printed, not failed).
//
// Each run collects its own set of instances, so that both are a first collection (no inventory yet:
// every database is "added") and do the same work; the same set twice would give the second run an
// inventory to compare with and a longer capacity stream. Every event store call, engine call and lock
// is timed (phaseTimer.ts) and printed per instance, to show where the time goes. The monitored servers,
// the collector and the cleanup are fleet.ts's.
import type mysql from 'mysql2/promise';
import pg from 'pg';
import { makeRunCapacityCollection } from '../src/commands/sync/collectCapacity.js';
import { withDatabase } from '../test/support/net.js';
import {
  instancesPerSet,
  monitoredServers,
  PG_URL,
  prefix,
  say,
  withFleet,
  type FleetObjects,
} from './fleet.js';
import type { BenchContext } from './support.js';
import { perEngine, reportSpeedUp, timeSessions, type TimedSession } from './timeSession.js';

export const about =
  'capacity collection of 500 instances (local MariaDB + PostgreSQL, 5 databases each) at concurrency 1 vs. 16';

const INSTANCES = instancesPerSet(500);
const DATABASES = 5;
/** Rows of the larger table in database i (1-based): i times this, so that sizes differ. */
const ROWS = 4000;
const DEADLINE_MS = 120_000;
const TARGET_PERCENT = 600;
const CONCURRENCIES = [1, 16] as const;

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

export async function run(_ctx: BenchContext): Promise<void> {
  say(`${DATABASES} databases per monitored server`);
  await withFleet(databases, async (fleet) => {
    say(`registering ${CONCURRENCIES.length} x ${INSTANCES} instances...`);
    const sets = await fleet.register(['a', 'b'], INSTANCES);
    const { runs, phases } = await timeSessions(
      fleet,
      'capacity collection',
      sets,
      CONCURRENCIES,
      (deps, ids, c) =>
        makeRunCapacityCollection(deps, 'UTC')({ instanceIds: ids }, 'manual_batch', fleet.ctx, {
          concurrency: c,
          deadlineMs: DEADLINE_MS,
        }),
    );
    const all = sets.flat();
    reportSpeedUp(
      `capacity: capacity collection of ${INSTANCES} instances (${INSTANCES / 2} MariaDB + ${INSTANCES / 2} PostgreSQL), concurrency 16 vs. 1`,
      runs,
      {
        server: fleet.db.server,
        targetPercent: TARGET_PERCENT,
        phases,
        serviceCpuTargetMs: 4,
        notes: [
          `monitored: ${monitoredServers}, ${DATABASES} databases created on each ` +
            `(the collection reads every database on the server)`,
        ],
        detail: (r) =>
          `databases per instance: ${perEngine(all, r, (c) => c.itemsSynced)}, ` +
          `MB per instance: ${perEngine(all, r, (c) => Math.round(Number(c.details.totalSizeMb)))}, ` +
          `retries: ${retries(r)}`,
      },
    );
  });
}
