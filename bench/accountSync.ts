// account-sync: a first account sync of BENCH_INSTANCES (default 200) registered instances, half
// pointing at the local MariaDB and half at the local PostgreSQL, with about 50 accounts created on
// each server by the benchmark. The same work twice, on two sets of instances: concurrency 1, then 8.
// Target: concurrency 8 at least 4x the instances/s of concurrency 1 (printed, not failed: exit 0).
//
// Monitored servers: BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306) and BENCH_PG_URL (default
// postgres://postgres@127.0.0.1:5432/postgres), both with an account that may create users, roles and
// databases. Everything created there carries the prefix wfb_<random>_ and is dropped at the end, also
// on failure or Ctrl-C. Whalefall's own store is openBenchDatabase() (see support.ts).
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import mysql from 'mysql2/promise';
import pLimit from 'p-limit';
import pg from 'pg';
import { PostgresEventStore } from '../src/adapters/eventStore/postgresEventStore.js';
import { validatingEventStore } from '../src/adapters/eventStore/validatingEventStore.js';
import { generateKey } from '../src/adapters/secrets/keyring.js';
import { makeCreateCredential } from '../src/commands/credentials.js';
import { makeRegisterInstance } from '../src/commands/instances.js';
import { makeRunAccountSync, type AccountSyncDeps } from '../src/commands/sync/runAccountSync.js';
import { loadSession } from '../src/commands/sync/sessionExecutor.js';
import type { CommandContext } from '../src/commands/streamWrites.js';
import type { DbType } from '../src/domain/engines/model.js';
import { createEventRegistry } from '../src/domain/eventTypes.js';
import { createLogger } from '../src/logger.js';
import { credentialsProjection } from '../src/projections/credentials/projection.js';
import { instancesProjection } from '../src/projections/instances/projection.js';
import { ProjectionRunner } from '../src/projections/runner.js';
import { openBenchDatabase, report, type BenchContext, type BenchDatabase } from './support.js';

export const about =
  'first account sync of 200 instances (local MariaDB + PostgreSQL, ~50 accounts each) at concurrency 1 vs. 8 (about 30 s)';

const MYSQL_URL = process.env.BENCH_MYSQL_URL || 'mysql://root@127.0.0.1:3306';
const PG_URL = process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
/** Instances per run (half MariaDB, half PostgreSQL; even); each run gets its own set of this many. */
const INSTANCES = Math.max(2, 2 * Math.round((Number(process.env.BENCH_INSTANCES ?? '200') || 200) / 2));
const ACCOUNTS = 50;
const DEADLINE_MS = 120_000;
const TARGET_PERCENT = 400;
const CONCURRENCIES = [1, 8] as const;

const prefix = `wfb_${randomBytes(3).toString('hex')}`;
const collector = { user: `${prefix}_collector`, password: `Wfb-${randomBytes(9).toString('hex')}` };
const database = `${prefix}_db`;
const role = `${prefix}_role`;
const accountName = (i: number) => `${prefix}_${String(i).padStart(2, '0')}`;
const COLLECTOR_HOSTS = ['%', 'localhost', '127.0.0.1'];

const logger = createLogger({ level: 'warn' });
const say = (line: string) => process.stderr.write(`${line}\n`);

// --- the monitored servers -------------------------------------------------------------------------

interface Monitored {
  dbType: DbType;
  host: string;
  port: number;
  databaseName: string | null;
}

// Each setUp pushes, before it creates anything, a drop() that removes every account, role and
// database with our prefix (safe to call more than once); a setUp that fails calls it itself.

/** Accounts with three kinds of grants: SELECT on our database, SELECT+INSERT, or our role. */
async function setUpMariadb(cleanups: (() => Promise<void>)[]): Promise<Monitored> {
  const url = new URL(MYSQL_URL);
  const root = await mysql.createConnection({ uri: MYSQL_URL });
  const ours = `LEFT(User, ${prefix.length + 1}) = '${prefix}_'`;
  let dropping: Promise<void> | undefined;
  const drop = () =>
    (dropping ??= (async () => {
      const rows = (
        await root.query<mysql.RowDataPacket[]>(
          `SELECT User AS user, Host AS host, JSON_VALUE(Priv, '$.is_role') AS is_role
             FROM mysql.global_priv WHERE ${ours}`,
        )
      )[0];
      for (const r of rows) {
        const isRole = ['1', 'true'].includes(String(r.is_role).toLowerCase());
        if (isRole) await root.query('DROP ROLE IF EXISTS ?', [r.user]);
        else await root.query('DROP USER IF EXISTS ?@?', [r.user, r.host]);
      }
      await root.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await root.end();
    })());
  cleanups.push(drop);
  try {
    for (const host of COLLECTOR_HOSTS) {
      await root.query('CREATE USER ?@? IDENTIFIED BY ?', [collector.user, host, collector.password]);
      await root.query('GRANT SELECT ON mysql.* TO ?@?', [collector.user, host]);
      await root.query('GRANT SHOW DATABASES, SHOW VIEW ON *.* TO ?@?', [collector.user, host]);
    }
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
  } catch (err) {
    await drop().catch(() => undefined);
    throw err;
  }
  return { dbType: 'mysql', host: url.hostname, port: Number(url.port || 3306), databaseName: null };
}

/** LOGIN roles with CONNECT (+TEMP) on our database, or membership in our role (or both). */
async function setUpPostgresql(cleanups: (() => Promise<void>)[]): Promise<Monitored> {
  const url = new URL(PG_URL);
  const root = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 10_000 });
  root.on('error', () => undefined);
  await root.connect();
  const id = (name: string) => pg.escapeIdentifier(name);
  let dropping: Promise<void> | undefined;
  const drop = () =>
    (dropping ??= (async () => {
      // The database first: its ACL mentions our roles, which cannot be dropped while it does.
      await root.query(`DROP DATABASE IF EXISTS ${id(database)} WITH (FORCE)`);
      const { rows } = await root.query<{ rolname: string }>(
        'SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY rolname',
        [`${prefix}_`],
      );
      for (const r of rows) await root.query(`DROP ROLE IF EXISTS ${id(r.rolname)}`);
      await root.end();
    })());
  cleanups.push(drop);
  try {
    await root.query(
      `CREATE ROLE ${id(collector.user)} LOGIN PASSWORD ${pg.escapeLiteral(collector.password)}`,
    );
    await root.query(`GRANT pg_read_all_stats TO ${id(collector.user)}`);
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
  } catch (err) {
    await drop().catch(() => undefined);
    throw err;
  }
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  return {
    dbType: 'postgresql',
    host: url.hostname,
    port: Number(url.port || 5432),
    databaseName: name && name !== 'postgres' ? name : null,
  };
}

// --- one measured run ------------------------------------------------------------------------------

interface RunResult {
  concurrency: number;
  instances: number;
  wallSec: number;
  events: number;
  /** Accounts each instance reported (itemsSynced), per engine: min..max. */
  accounts: Record<string, { min: number; max: number }>;
}

const countEvents = async (db: BenchDatabase): Promise<number> =>
  Number((await db.knex('events').count({ c: '*' }))[0]!.c);

async function measure(
  db: BenchDatabase,
  deps: AccountSyncDeps,
  ctx: CommandContext,
  instances: readonly { id: string; dbType: DbType }[],
  concurrency: number,
): Promise<RunResult> {
  say(`syncing ${instances.length} instances at concurrency ${concurrency}...`);
  const eventsBefore = await countEvents(db);
  const started = performance.now();
  const session = await makeRunAccountSync(deps)(
    { instanceIds: instances.map((i) => i.id) },
    'manual_batch',
    ctx,
    { concurrency, deadlineMs: DEADLINE_MS },
  );
  await session.done;
  const wallSec = (performance.now() - started) / 1000;
  const events = (await countEvents(db)) - eventsBefore;

  const { state, history } = await loadSession(deps.store, session.sessionId);
  const notCompleted = [...state.records].filter(([, r]) => r.status !== 'completed');
  if (state.status !== 'completed' || notCompleted.length > 0) {
    say(`session ${session.sessionId} is ${state.status}; ${notCompleted.length} record(s) not completed:`);
    const ends = ['InstanceSyncFailed', 'InstanceSyncSkipped', 'InstanceSyncAbandoned'];
    for (const e of history.filter((h) => ends.includes(h.type)))
      say(`  ${e.type} ${JSON.stringify(e.data)}`);
    throw new Error(`account sync at concurrency ${concurrency} did not complete every record`);
  }
  const typeOf = new Map(instances.map((i) => [i.id, i.dbType]));
  const accounts: RunResult['accounts'] = {};
  for (const e of history) {
    if (e.type !== 'InstanceSyncCompleted') continue;
    const d = e.data as { instanceId: string; itemsSynced: number };
    const key = typeOf.get(d.instanceId) ?? '?';
    const seen = (accounts[key] ??= { min: d.itemsSynced, max: d.itemsSynced });
    seen.min = Math.min(seen.min, d.itemsSynced);
    seen.max = Math.max(seen.max, d.itemsSynced);
  }
  return { concurrency, instances: instances.length, wallSec, events, accounts };
}

// --- the benchmark ---------------------------------------------------------------------------------

export async function run(_ctx: BenchContext): Promise<void> {
  const monitored: Monitored[] = [];
  const drops: (() => Promise<void>)[] = [];
  let db: BenchDatabase | undefined;
  let raw: PostgresEventStore | undefined;
  let cleaning: Promise<void> | undefined;
  // The monitored servers first: they are what a crash would leave behind.
  const cleanUp = () =>
    (cleaning ??= (async () => {
      for (const drop of drops) {
        await drop().catch((err: unknown) => {
          say(`could not drop everything with prefix ${prefix}_ on a monitored server: ${String(err)}`);
        });
      }
      await raw?.close().catch(() => undefined);
      await db?.close().catch((err: unknown) => say(`could not close the bench database: ${String(err)}`));
    })());
  const onSignal = () => {
    say('\ninterrupted, cleaning up...');
    // Ctrl-C reaches the whole process group, so the embedded store is shutting down too: the syncs
    // still running fail now (some with an 'error' event nobody listens to). That must not end the
    // process before cleanUp() is done.
    logger.level = 'silent';
    process.on('uncaughtException', () => undefined);
    process.on('unhandledRejection', () => undefined);
    void cleanUp().finally(() => process.exit(130));
  };

  try {
    // support.ts exits on Ctrl-C as soon as its own database is closed: ours replaces its handler (the
    // monitored servers are created after this point), so that cleanUp() drops them before exiting.
    const before = new Set(process.listeners('SIGINT'));
    db = await openBenchDatabase();
    for (const listener of process.listeners('SIGINT').filter((l) => !before.has(l))) {
      process.removeListener('SIGINT', listener);
      process.removeListener('SIGTERM', listener);
    }
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);

    say(`creating ${ACCOUNTS} accounts with prefix ${prefix}_ on MariaDB and PostgreSQL...`);
    monitored.push(await setUpMariadb(drops));
    monitored.push(await setUpPostgresql(drops));

    raw = new PostgresEventStore(db.pool);
    const store = validatingEventStore(raw, createEventRegistry());
    const ring = { current: generateKey(), previous: [] };
    const ctx: CommandContext = {
      actor: { kind: 'user', id: 'bench' },
      correlationId: randomUUID(),
      now: new Date(),
    };
    const credentialFor = new Map<DbType, string>();
    for (const m of monitored) {
      const { id } = await makeCreateCredential({ knex: db.knex, store, keyring: () => ring })(
        {
          name: `bench-${m.dbType}`,
          dbType: m.dbType,
          username: collector.user,
          password: collector.password,
          description: 'account-sync benchmark collector',
        },
        ctx,
      );
      credentialFor.set(m.dbType, id);
    }

    // Two sets of the same size (the first sync of each is the same work), registered 4 at a time.
    say(`registering 2 x ${INSTANCES} instances...`);
    const register = makeRegisterInstance({ knex: db.knex, store });
    const limit = pLimit(4);
    const sets = await Promise.all(
      ['a', 'b'].map((set) =>
        Promise.all(
          Array.from({ length: INSTANCES }, (_, i) =>
            limit(async () => {
              const m = monitored[i % monitored.length]!;
              const { id } = await register(
                {
                  name: `bench-${set}-${m.dbType}-${String(i).padStart(4, '0')}`,
                  dbType: m.dbType,
                  host: m.host,
                  port: m.port,
                  databaseName: m.databaseName,
                  credentialId: credentialFor.get(m.dbType)!,
                  description: '',
                },
                ctx,
              );
              return { id, dbType: m.dbType };
            }),
          ),
        ),
      ),
    );
    for (const projection of [credentialsProjection, instancesProjection]) {
      await new ProjectionRunner({ projection, store: raw, knex: db.knex, logger }).catchUp();
    }

    const deps: AccountSyncDeps = { knex: db.knex, pool: db.pool, store, keyring: () => ring, logger };
    const results: RunResult[] = [];
    for (const [i, concurrency] of CONCURRENCIES.entries()) {
      results.push(await measure(db, deps, ctx, sets[i]!, concurrency));
    }

    const [one, eight] = results as [RunResult, RunResult];
    const perSec = (r: RunResult) => r.instances / r.wallSec;
    const accounts = (r: RunResult) =>
      Object.entries(r.accounts)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([type, { min, max }]) => `${type} ${min === max ? min : `${min}-${max}`}`)
        .join(', ');
    report(
      `account-sync: first account sync of ${INSTANCES} instances (${INSTANCES / 2} MariaDB + ${INSTANCES / 2} PostgreSQL), concurrency 8 vs. 1`,
      results.map((r) => ({
        case: `concurrency ${r.concurrency}, instances/s`,
        rowsPerSec: perSec(r),
        baselineRowsPerSec: perSec(one),
        ...(r.concurrency === 8 ? { targetPercent: TARGET_PERCENT } : {}),
      })),
      {
        server: db.server,
        notes: [
          `monitored: ${MYSQL_URL.replace(/\/\/[^@/]*@/, '//')} and ${PG_URL.replace(/\/\/[^@/]*@/, '//')}, ` +
            `${ACCOUNTS} accounts created on each (+ the collector; the sync reads every account on the server)`,
          ...results.map(
            (r) =>
              `concurrency ${r.concurrency}: ${r.wallSec.toFixed(2)} s wall, ${r.events.toLocaleString('en-US')} events, ` +
              `${Math.round(r.events / r.wallSec).toLocaleString('en-US')} events/s, ` +
              `${perSec(r).toFixed(1)} instances/s, accounts per instance: ${accounts(r)}`,
          ),
          `speed-up: ${(perSec(eight) / perSec(one)).toFixed(2)}x (target >= ${TARGET_PERCENT / 100}x); ` +
            `rows/s are instances/s, the baseline is concurrency 1`,
        ],
      },
    );
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await cleanUp();
  }
}
