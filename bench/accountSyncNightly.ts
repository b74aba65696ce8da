// account-sync's nightly figure: the instances of the last measured run synced a second time after one
// account per monitored server gained a privilege (so each instance has 1 changed account in about 55),
// which is what a fleet pays every night; the first sync is the worst case. Also the store statements
// the service sent through knex (the projections' batches, the session runner's reads of instances and
// credentials) per instance, by the accounts projection's tables and the rest, for both syncs.
import type { Knex } from 'knex';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { Fleet, FleetInstance, FleetObjects } from './fleet.js';
import { MYSQL_URL, PG_URL } from './fleet.js';
import { timeSession, type SessionStarter, type TimedSession } from './timeSession.js';

/** Runs `objects` on both monitored servers as their admin account. */
export async function onServers(objects: FleetObjects): Promise<void> {
  const root = await mysql.createConnection({ uri: MYSQL_URL });
  try {
    await objects.mariadb(root);
  } finally {
    await root.end();
  }
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await objects.postgresql(client);
  } finally {
    await client.end();
  }
}

const accountsTables = [
  'instance_accounts',
  'account_permission',
  'account_change_log',
  'account_capability_counts',
];

interface Statements {
  all: number;
  accounts: number;
}

/**
 * Counts the statements sent through `knex`: all of them, and those naming an accounts table. mark()
 * closes an interval (sessions run one after the other: mark at each start and once after the last).
 */
export function countStatements(knex: Knex) {
  let counts: Statements = { all: 0, accounts: 0 };
  const intervals: Statements[] = [];
  knex.on('query', (q: { sql: string }) => {
    counts.all += 1;
    if (accountsTables.some((t) => q.sql.includes(`"${t}"`))) counts.accounts += 1;
  });
  let marked = false;
  return {
    mark(): void {
      if (marked) intervals.push(counts);
      marked = true;
      counts = { all: 0, accounts: 0 };
    },
    /** "store statements through knex per instance: 24.0 (...: 9.0)" for the k-th interval from the end. */
    line(fromEnd: number, instances: number): string {
      const c = intervals.at(-fromEnd);
      if (!c) return 'store statements: not counted';
      const per = (n: number) => (n / instances).toFixed(1);
      return `store statements through knex per instance: ${per(c.all)} (naming an accounts table: ${per(c.accounts)})`;
    },
  };
}

/**
 * The nightly sync of `instances` at `concurrency`, after `change` ran on the servers: the report lines
 * (its service CPU per instance next to the first sync's, `first`) and whether it met `targetMs`.
 */
export async function nightlySync(
  fleet: Fleet,
  input: {
    instances: readonly FleetInstance[];
    concurrency: number;
    first: TimedSession;
    change: FleetObjects;
    changed: string;
    targetMs: number;
    start: SessionStarter;
    statements: ReturnType<typeof countStatements>;
  },
): Promise<{ lines: string[]; met: boolean }> {
  await onServers(input.change);
  const ids = input.instances.map((i) => i.id);
  input.statements.mark();
  const run = await timeSession(fleet, 'nightly account sync', ids.length, input.concurrency, () =>
    input.start(fleet.deps, ids, input.concurrency),
  );
  input.statements.mark();
  const statements = input.statements.line(1, run.instances);
  const ms = (r: TimedSession) => (1000 * r.cpu.bench!) / r.instances;
  const met = ms(run) <= input.targetMs;
  return {
    met,
    lines: [
      `nightly account sync: the ${run.instances} instances of concurrency ${input.concurrency} again, ${input.changed}: ` +
        `${run.wallSec.toFixed(2)} s wall, ${run.events.toLocaleString('en-US')} events, ${(run.instances / run.wallSec).toFixed(1)} instances/s; ${statements}`,
      ...(run.profile ?? []),
      `service CPU per instance, nightly sync at concurrency ${input.concurrency}: ${ms(run).toFixed(2)} ms ` +
        `(first sync ${ms(input.first).toFixed(2)} ms; target <= ${input.targetMs} ms) ${met ? 'PASS' : 'MISS'}`,
    ],
  };
}
