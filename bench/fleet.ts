// The fleet the session benchmarks (account-sync, capacity) run against: the local MariaDB and PostgreSQL
// as monitored servers, each with a least-privilege collector and the benchmark's own objects; whalefall's
// store (openBenchDatabase, see support.ts); instances registered in sets, half on each server, through
// the latency proxy (latencyProxy.ts: BENCH_RTT_MS, default 20 ms; 0 for none). Sessions on it are timed by
// timeSession.ts.
//
// Monitored servers: BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306) and BENCH_PG_URL (default
// postgres://postgres@127.0.0.1:5432/postgres), both with an account that may create users, roles and
// databases. Everything created there carries the prefix wfb_<random>_ and is dropped at the end, also
// on failure or Ctrl-C.
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import mysql from 'mysql2/promise';
import pLimit from 'p-limit';
import pg from 'pg';
import { PostgresEventStore } from '../src/adapters/eventStore/postgresEventStore.js';
import { validatingEventStore } from '../src/adapters/eventStore/validatingEventStore.js';
import { generateKey } from '../src/adapters/keyring/keyring.js';
import { makeCreateCredential } from '../src/commands/credentials.js';
import { makeRegisterInstance } from '../src/commands/instances.js';
import type { SessionRunDeps } from '../src/commands/sync/runSession.js';
import type { CommandContext } from '../src/commands/commandContext.js';
import type { DbType } from '../src/domain/engines/model.js';
import { createEventRegistry } from '../src/domain/eventTypes.js';
import { createLogger } from '../src/logger.js';
import { credentialsProjection } from '../src/projections/credentials/projection.js';
import { instancesProjection } from '../src/projections/instances/projection.js';
import { ProjectionRunner } from '../src/projections/runner.js';
import { createCollector } from '../test/support/mariadbCollector.js';
import { localServerPid, parentPid } from './cpuUsage.js';
import { RTT_MS, startBenchProxy, type BenchProxy } from './latencyProxy.js';
import { openBenchDatabase, type BenchDatabase } from './support.js';

export const MYSQL_URL = process.env.BENCH_MYSQL_URL || 'mysql://root@127.0.0.1:3306';
export const PG_URL = process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
/** Both monitored servers without their credentials, for the report. */
export const monitoredServers = [MYSQL_URL, PG_URL].map((u) => u.replace(/\/\/[^@/]*@/, '//')).join(' and ');

/** Instances per set from BENCH_INSTANCES (half MariaDB, half PostgreSQL, so even; at least 2). */
export const instancesPerSet = (fallback: number): number =>
  Math.max(2, 2 * Math.round((Number(process.env.BENCH_INSTANCES ?? fallback) || fallback) / 2));

/** Every object a benchmark creates on a monitored server starts with `${prefix}_`. */
export const prefix = `wfb_${randomBytes(3).toString('hex')}`;
const collector = { user: `${prefix}_collector`, password: `Wfb-${randomBytes(9).toString('hex')}` };

export const logger = createLogger({ level: 'warn' });
export const say = (line: string) => process.stderr.write(`${line}\n`);

/** The benchmark's own objects, created as the servers' admin account after the collector. */
export interface FleetObjects {
  mariadb(root: mysql.Connection): Promise<void>;
  postgresql(root: pg.Client): Promise<void>;
}

interface Monitored {
  dbType: DbType;
  host: string;
  port: number;
  databaseName: string | null;
  /** The server's root process when it runs on this machine, for its CPU time (cpuUsage.ts). */
  pid: number | undefined;
}

const isLocal = (host: string) => ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);

async function mariadbPid(root: mysql.Connection): Promise<number | undefined> {
  const [[row]] = await root.query<mysql.RowDataPacket[]>('SELECT @@pid_file AS file');
  const text = await fs.readFile(String(row?.file), 'utf8').catch(() => '');
  return Number.parseInt(text, 10) || localServerPid('mariadbd', 'mysqld');
}

async function postmasterPid(root: pg.Client): Promise<number | undefined> {
  const { rows } = await root.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return rows[0] ? parentPid(rows[0].pid, 'postgres') : undefined;
}

// Each setUp pushes, before it creates anything, a drop() that removes every account, role and
// database with our prefix (safe to call more than once); a setUp that fails calls it itself.

async function setUpMariadb(objects: FleetObjects, drops: (() => Promise<void>)[]): Promise<Monitored> {
  const url = new URL(MYSQL_URL);
  const root = await mysql.createConnection({ uri: MYSQL_URL });
  const ours = (column: string) => `LEFT(${column}, ${prefix.length + 1}) = '${prefix}_'`;
  let dropping: Promise<void> | undefined;
  const drop = () =>
    (dropping ??= (async () => {
      const [accounts] = await root.query<mysql.RowDataPacket[]>(
        `SELECT User AS user, Host AS host, JSON_VALUE(Priv, '$.is_role') AS is_role
           FROM mysql.global_priv WHERE ${ours('User')}`,
      );
      for (const r of accounts) {
        const isRole = ['1', 'true'].includes(String(r.is_role).toLowerCase());
        if (isRole) await root.query('DROP ROLE IF EXISTS ?', [r.user]);
        else await root.query('DROP USER IF EXISTS ?@?', [r.user, r.host]);
      }
      const [databases] = await root.query<mysql.RowDataPacket[]>(
        `SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE ${ours('SCHEMA_NAME')}`,
      );
      for (const d of databases) await root.query(`DROP DATABASE IF EXISTS \`${String(d.name)}\``);
      await root.end();
    })());
  drops.push(drop);
  try {
    await createCollector(root, collector.user, collector.password);
    await objects.mariadb(root);
  } catch (err) {
    await drop().catch(() => undefined);
    throw err;
  }
  return {
    dbType: 'mysql',
    host: url.hostname,
    port: Number(url.port || 3306),
    databaseName: null,
    pid: isLocal(url.hostname) ? await mariadbPid(root) : undefined,
  };
}

async function setUpPostgresql(objects: FleetObjects, drops: (() => Promise<void>)[]): Promise<Monitored> {
  const url = new URL(PG_URL);
  const root = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 10_000 });
  root.on('error', () => undefined);
  await root.connect();
  const ours = [`${prefix}_`];
  let dropping: Promise<void> | undefined;
  const drop = () =>
    (dropping ??= (async () => {
      // The databases first: their ACLs mention our roles, which cannot be dropped while they do.
      const databases = await root.query<{ name: string }>(
        'SELECT datname AS name FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1',
        ours,
      );
      for (const d of databases.rows)
        await root.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(d.name)} WITH (FORCE)`);
      const roles = await root.query<{ name: string }>(
        'SELECT rolname AS name FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY 1',
        ours,
      );
      for (const r of roles.rows) await root.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(r.name)}`);
      await root.end();
    })());
  drops.push(drop);
  try {
    // docs/engines.md: pg_read_all_stats lets databaseSizes read every database.
    const user = pg.escapeIdentifier(collector.user);
    await root.query(`CREATE ROLE ${user} LOGIN PASSWORD ${pg.escapeLiteral(collector.password)}`);
    await root.query(`GRANT pg_read_all_stats TO ${user}`);
    await objects.postgresql(root);
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
    pid: isLocal(url.hostname) ? await postmasterPid(root) : undefined,
  };
}

export interface FleetInstance {
  id: string;
  dbType: DbType;
}

export interface Fleet {
  db: BenchDatabase;
  /** What a session runner needs; the store validates events as the service's does. */
  deps: SessionRunDeps;
  ctx: CommandContext;
  /** The monitored servers' root processes on this machine (cpuUsage.ts sampleCpu). */
  cpuTrees: Record<string, number | undefined>;
  /** One set of `perSet` instances per name, alternately MariaDB and PostgreSQL, registered 4 at a time. */
  register(sets: readonly string[], perSet: number): Promise<FleetInstance[][]>;
  /** A MariaDB instance at the proxy's blackhole (accepts, never answers); undefined without a proxy. */
  registerBlackhole(): Promise<FleetInstance | undefined>;
  /** The latency proxy the instances are registered at; undefined when BENCH_RTT_MS=0. */
  proxy: BenchProxy | undefined;
}

async function openFleet(
  db: BenchDatabase,
  monitored: Monitored[],
  raw: PostgresEventStore,
  proxy: BenchProxy | undefined,
) {
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
        description: 'benchmark collector',
      },
      ctx,
    );
    credentialFor.set(m.dbType, id);
  }
  const registerOne = makeRegisterInstance({ knex: db.knex, store });
  const registerAt = async (m: Monitored, name: string, at: 'server' | 'blackhole' = 'server') => {
    const port = proxy ? proxy.ports[at === 'blackhole' ? 'blackhole' : m.dbType]! : m.port;
    const { id } = await registerOne(
      {
        name,
        dbType: m.dbType,
        host: proxy ? '127.0.0.1' : m.host,
        port,
        databaseName: m.databaseName,
        credentialId: credentialFor.get(m.dbType)!,
        description: '',
      },
      ctx,
      { allowDuplicate: true }, // every instance of a set is the same server
    );
    return { id, dbType: m.dbType };
  };
  // The session runner reads instances and credentials from their read tables.
  const catchUp = async () => {
    for (const projection of [credentialsProjection, instancesProjection]) {
      await new ProjectionRunner({ projection, store: raw, knex: db.knex, logger }).catchUp();
    }
  };
  const register = async (sets: readonly string[], perSet: number) => {
    const limit = pLimit(4);
    const registered = await Promise.all(
      sets.map((set) =>
        Promise.all(
          Array.from({ length: perSet }, (_, i) =>
            limit(() => {
              const m = monitored[i % monitored.length]!;
              return registerAt(m, `bench-${set}-${m.dbType}-${String(i).padStart(4, '0')}`);
            }),
          ),
        ),
      ),
    );
    await catchUp();
    return registered;
  };
  const registerBlackhole = async () => {
    if (!proxy) return undefined;
    const registered = await registerAt(monitored[0]!, 'bench-blackhole', 'blackhole');
    await catchUp();
    return registered;
  };
  const deps: SessionRunDeps = { knex: db.knex, pool: db.pool, store, keyring: () => ring, logger };
  const cpuTrees: Record<string, number | undefined> = Object.fromEntries(
    monitored.map((m) => [m.dbType === 'mysql' ? 'monitored MariaDB' : 'monitored PostgreSQL', m.pid]),
  );
  if (proxy) cpuTrees['latency proxy'] = proxy.pid;
  return { db, deps, ctx, cpuTrees, register, registerBlackhole, proxy } satisfies Fleet;
}

/**
 * Sets up the fleet, runs `body` on it, and drops everything it created, also on failure and Ctrl-C.
 * `poolMax`: the store pool's size (a session at concurrency c appends from up to c records at once).
 */
export async function withFleet<T>(
  objects: FleetObjects,
  body: (fleet: Fleet) => Promise<T>,
  options: { poolMax?: number } = {},
): Promise<T> {
  const drops: (() => Promise<void>)[] = [];
  let db: BenchDatabase | undefined;
  let proxy: BenchProxy | undefined;
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
      await proxy?.close().catch(() => undefined);
      await raw?.close().catch(() => undefined);
      await db?.close().catch((err: unknown) => say(`could not close the bench database: ${String(err)}`));
    })());
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    say('\ninterrupted, cleaning up...');
    // Ctrl-C reaches the whole process group, so the embedded store is shutting down too: the sessions
    // still running fail now (some with an 'error' event nobody listens to). That must not end the
    // process before cleanUp() is done.
    logger.level = 'silent';
    process.on('uncaughtException', () => undefined);
    process.on('unhandledRejection', () => undefined);
    void cleanUp().finally(() => process.exit(130));
  };

  try {
    // support.ts exits on Ctrl-C as soon as its own database is closed: ours replaces its handler (the
    // monitored servers are set up after this point), so that cleanUp() drops them before exiting.
    const before = new Set(process.listeners('SIGINT'));
    db = await openBenchDatabase(options);
    for (const listener of process.listeners('SIGINT').filter((l) => !before.has(l))) {
      process.removeListener('SIGINT', listener);
      process.removeListener('SIGTERM', listener);
    }
    // on, not once: a second signal (tsx relays the one the whole group got) must not end the cleanup.
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    say(
      `creating the collector and the benchmark's objects (prefix ${prefix}_) on MariaDB and PostgreSQL...`,
    );
    const monitored = [await setUpMariadb(objects, drops), await setUpPostgresql(objects, drops)];
    if (RTT_MS > 0) {
      const [mariadb, postgresql] = monitored.map((m) => ({ host: m.host, port: m.port }));
      proxy = await startBenchProxy({ mysql: mariadb!, postgresql: postgresql!, blackhole: 'blackhole' });
      say(`latency proxy (pid ${proxy.pid}): ${RTT_MS} ms round trip in front of both servers`);
    }
    raw = new PostgresEventStore(db.pool);
    return await body(await openFleet(db, monitored, raw, proxy));
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await cleanUp();
  }
}
