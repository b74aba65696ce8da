// account-sync: a first account sync of BENCH_INSTANCES (default 200) registered instances, half
// pointing at the local MariaDB and half at the local PostgreSQL through the latency proxy (BENCH_RTT_MS,
// default 20 ms round trip: latencyProxy.ts), with about 50 accounts created on each server by the
// benchmark. The same work twice, on two sets of instances: concurrency 1, then 32. Target: concurrency 32
// at least 16x the instances/s of concurrency 1 (printed, not failed: exit 0). Then the round trips per
// instance (counted at the proxy) of one instance per engine with the 50 accounts, and with 500: the same
// number for both, at most 10 for MariaDB and 6 for PostgreSQL. The monitored servers, the collector and
// the cleanup are fleet.ts's.
import type mysql from 'mysql2/promise';
import pg from 'pg';
import { makeRunAccountSync } from '../src/commands/sync/runAccountSync.js';
import {
  instancesPerSet,
  monitoredServers,
  prefix,
  say,
  withFleet,
  type Fleet,
  type FleetObjects,
} from './fleet.js';
import { countStatements, nightlySync, onServers } from './accountSyncNightly.js';
import { proxyCpuLine, RTT_MS } from './latencyProxy.js';
import { roundTripsLine, roundTripTargets } from './roundTrips.js';
import type { BenchContext } from './support.js';
import { perEngine, reportSpeedUp, timeSession, timeSessions, type SessionStarter } from './timeSession.js';

export const about =
  'first account sync of 200 instances (MariaDB + PostgreSQL behind a 20 ms RTT proxy, ~50 accounts each) at concurrency 1 vs. 32, round trips per instance for 50 vs. 500 accounts';

/** Instances per run; each run gets its own set of this many. */
const INSTANCES = instancesPerSet(200);
const ACCOUNTS = 50;
const DEADLINE_MS = 120_000;
const TARGET_PERCENT = 1600;
const CONCURRENCIES = [1, 32] as const;
/** The accounts per server of the second round-trip measurement. */
const MANY_ACCOUNTS = 500;
/** Service CPU per instance synced (issue 16), first and nightly sync. */
const SERVICE_CPU_TARGET_MS = 8;

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

/** Accounts up to MANY_ACCOUNTS on both servers, without grants (fleet.ts drops them with the prefix). */
const addAccounts = () => {
  const extra = Array.from({ length: MANY_ACCOUNTS - ACCOUNTS }, (_, i) => `${prefix}_x${i}`);
  return onServers({
    async mariadb(root) {
      for (const user of extra)
        await root.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', `Pw-${user}`]);
    },
    async postgresql(root) {
      await root.query(extra.map((u) => `CREATE ROLE ${pg.escapeIdentifier(u)} LOGIN`).join(';'));
    },
  });
};

/** The nightly sync's change: one account per server gains a privilege (the 3rd, SELECT or CONNECT only). */
const grantOneMore: FleetObjects = {
  async mariadb(root) {
    await root.query(`GRANT INSERT ON \`${database}\`.* TO ?@'%'`, [accountName(3)]);
  },
  async postgresql(root) {
    await root.query(
      `GRANT TEMP ON DATABASE ${pg.escapeIdentifier(database)} TO ${pg.escapeIdentifier(accountName(3))}`,
    );
  },
};

/** One instance per engine synced at concurrency 1: its round trips at the proxy. */
async function measureRoundTrips(fleet: Fleet, set: string, accounts: number, start: SessionStarter) {
  const [instances] = await fleet.register([set], 2);
  const ids = instances!.map((i) => i.id);
  const run = await timeSession(fleet, `account sync, ${accounts} accounts`, 2, 1, () =>
    start(fleet.deps, ids, 1),
  );
  return { accounts, run, instances: instances! };
}

export async function run(_ctx: BenchContext): Promise<void> {
  say(`${ACCOUNTS} accounts per monitored server`);
  const start: SessionStarter = (deps, ids, c) =>
    makeRunAccountSync(deps)({ instanceIds: ids }, 'manual_batch', fleet().ctx, {
      concurrency: c,
      deadlineMs: DEADLINE_MS,
    });
  let current: Fleet | undefined;
  const fleet = () => current!;
  await withFleet(
    accounts,
    async (f) => {
      current = f;
      // Two sets of the same size: the first sync of each is the same work.
      say(`registering ${CONCURRENCIES.length} x ${INSTANCES} instances...`);
      const sets = await f.register(['a', 'b'], INSTANCES);
      const statements = countStatements(f.db.knex);
      const counted: SessionStarter = (deps, ids, c) => {
        statements.mark();
        return start(deps, ids, c);
      };
      const { runs, phases, synced } = await timeSessions(f, 'account sync', sets, CONCURRENCIES, counted);
      statements.mark();
      const statementsOf = new Map(runs.map((r, i) => [r, statements.line(runs.length - i, r.instances)]));
      const setOf = (r: (typeof runs)[number]) => sets[runs.indexOf(r)]!;
      const proxyCpu = f.proxy ? [await proxyCpuLine(f.proxy, synced)] : [];
      const nightly = await nightlySync(f, {
        instances: sets.at(-1)!,
        concurrency: CONCURRENCIES.at(-1)!,
        first: runs.at(-1)!,
        change: grantOneMore,
        changed: `one account per server (1 in ~${ACCOUNTS + 5} per instance) granted one more privilege`,
        targetMs: SERVICE_CPU_TARGET_MS,
        start,
        statements,
      });
      say(`round trips: one instance per engine with ${ACCOUNTS}, then ${MANY_ACCOUNTS} accounts...`);
      const few = await measureRoundTrips(f, 'r50', ACCOUNTS, start);
      await addAccounts();
      const many = await measureRoundTrips(f, 'r500', MANY_ACCOUNTS, start);
      const targets = roundTripTargets(few, many);
      reportSpeedUp(
        `account-sync: first account sync of ${INSTANCES} instances (${INSTANCES / 2} MariaDB + ${INSTANCES / 2} PostgreSQL), concurrency ${CONCURRENCIES[1]} vs. ${CONCURRENCIES[0]}`,
        runs,
        {
          server: f.db.server,
          targetPercent: TARGET_PERCENT,
          phases,
          notes: [
            `monitored: ${monitoredServers}, ${ACCOUNTS} accounts created on each ` +
              `(+ the collector; the sync reads every account on the server)`,
            RTT_MS > 0
              ? `network: ${RTT_MS} ms round trip (bench/latencyProxy.ts, a child process; BENCH_RTT_MS)`
              : 'network: none (BENCH_RTT_MS=0: the instances point at the servers themselves)',
            ...proxyCpu,
          ],
          monitoredPostgres: f.cpuTrees['monitored PostgreSQL'],
          serviceCpuTargetMs: SERVICE_CPU_TARGET_MS,
          below: [nightly.met, targets.met],
          detail: (r) =>
            `accounts per instance: ${perEngine(setOf(r), r, (c) => c.itemsSynced)}; ${roundTripsLine(r, setOf(r))}; ` +
            statementsOf.get(r)!,
        },
      );
      process.stdout.write(
        `${[...nightly.lines, ...targets.lines, `round trips: ${targets.met ? 'PASS' : 'MISS'} (${few.accounts} vs. ${many.accounts} accounts per server; the servers hold a few more: the collector, root, ...)`].join('\n')}\n`,
      );
    },
    // Above the default 16 for concurrency 32, below what the shared local server (100 connections) allows.
    { poolMax: 24 },
  );
}
