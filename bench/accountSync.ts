// account-sync: a first account sync of BENCH_INSTANCES (default 200) registered instances, half
// pointing at the local MariaDB and half at the local PostgreSQL, with about 50 accounts created on
// each server by the benchmark. The same work twice, on two sets of instances: concurrency 1, then 8.
// Target: concurrency 8 at least 4x the instances/s of concurrency 1 (printed, not failed: exit 0).
// The monitored servers, the collector and the cleanup are fleet.ts's.
import type mysql from 'mysql2/promise';
import pg from 'pg';
import { makeRunAccountSync } from '../src/commands/sync/runAccountSync.js';
import { instancesPerSet, monitoredServers, prefix, say, withFleet, type FleetObjects } from './fleet.js';
import type { BenchContext } from './support.js';
import { perEngine, reportSpeedUp, timeSessions } from './timeSession.js';

export const about =
  'first account sync of 200 instances (local MariaDB + PostgreSQL, ~50 accounts each) at concurrency 1 vs. 8 (about 30 s)';

/** Instances per run; each run gets its own set of this many. */
const INSTANCES = instancesPerSet(200);
const ACCOUNTS = 50;
const DEADLINE_MS = 120_000;
const TARGET_PERCENT = 400;
const CONCURRENCIES = [1, 8] as const;

const database = `${prefix}_db`;
const role = `${prefix}_role`;
const accountName = (i: number) => `${prefix}_${String(i).padStart(2, '0')}`;

/** Accounts with three kinds of grants on each server (fleet.ts drops them with the prefix). */
const accounts: FleetObjects = {
  /** SELECT on our database, SELECT+INSERT+UPDATE, or our role. */
  async mariadb(root: mysql.Connection) {
    await root.query(`CREATE DATABASE \`${database}\``);
    await root.query(`CREATE ROLE \`${role}\``);
    await root.query(`GRANT SELECT, SHOW VIEW ON \`${database}\`.* TO \`${role}\``);
    for (let i = 1; i <= ACCOUNTS; i++) {
      const user = accountName(i);
      await root.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', `Pw-${user}-${i}`]);
      if (i % 3 === 0) await root.query(`GRANT SELECT ON \`${database}\`.* TO ?@'%'`, [user]);
      else if (i % 3 === 1)
        await root.query(`GRANT SELECT, INSERT, UPDATE ON \`${database}\`.* TO ?@'%'`, [user]);
      else await root.query(`GRANT \`${role}\` TO ?@'%'`, [user]);
    }
  },
  /** LOGIN roles with CONNECT (+TEMP) on our database, or membership in our role. */
  async postgresql(root: pg.Client) {
    const id = (name: string) => pg.escapeIdentifier(name);
    await root.query(`CREATE DATABASE ${id(database)}`);
    await root.query(`REVOKE ALL ON DATABASE ${id(database)} FROM PUBLIC`);
    await root.query(`CREATE ROLE ${id(role)} NOLOGIN`);
    await root.query(`GRANT CONNECT ON DATABASE ${id(database)} TO ${id(role)}`);
    for (let i = 1; i <= ACCOUNTS; i++) {
      const user = id(accountName(i));
      await root.query(`CREATE ROLE ${user} LOGIN PASSWORD ${pg.escapeLiteral(`Pw-${accountName(i)}`)}`);
      if (i % 3 === 0) await root.query(`GRANT CONNECT ON DATABASE ${id(database)} TO ${user}`);
      else if (i % 3 === 1) await root.query(`GRANT CONNECT, TEMP ON DATABASE ${id(database)} TO ${user}`);
      else await root.query(`GRANT ${id(role)} TO ${user}`);
    }
  },
};

export async function run(_ctx: BenchContext): Promise<void> {
  say(`${ACCOUNTS} accounts per monitored server`);
  await withFleet(accounts, async (fleet) => {
    // Two sets of the same size: the first sync of each is the same work.
    say(`registering ${CONCURRENCIES.length} x ${INSTANCES} instances...`);
    const sets = await fleet.register(['a', 'b'], INSTANCES);
    const { runs, phases } = await timeSessions(fleet, 'account sync', sets, CONCURRENCIES, (deps, ids, c) =>
      makeRunAccountSync(deps)({ instanceIds: ids }, 'manual_batch', fleet.ctx, {
        concurrency: c,
        deadlineMs: DEADLINE_MS,
      }),
    );
    reportSpeedUp(
      `account-sync: first account sync of ${INSTANCES} instances (${INSTANCES / 2} MariaDB + ${INSTANCES / 2} PostgreSQL), concurrency 8 vs. 1`,
      runs,
      {
        server: fleet.db.server,
        targetPercent: TARGET_PERCENT,
        phases,
        notes: [
          `monitored: ${monitoredServers}, ${ACCOUNTS} accounts created on each ` +
            `(+ the collector; the sync reads every account on the server)`,
        ],
        serviceCpuTargetMs: 8,
        detail: (r) => `accounts per instance: ${perEngine(sets.flat(), r, (c) => c.itemsSynced)}`,
      },
    );
  });
}
