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
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { PostgresEventStore } from '../src/adapters/eventStore/postgresEventStore.js';
import { APPLICATION_NAME as PG_COLLECTOR_APP } from '../src/adapters/engines/postgresql/postgresqlAdapter.js';
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
import { ProjectionDaemon } from '../src/projections/daemon.js';
import { allProjections } from '../src/projections/index.js';
import { ProjectionRunner } from '../src/projections/runner.js';
import { decodeKnown, validatingEventStore } from '../src/adapters/eventStore/validatingEventStore.js';
import {
  collector,
  prefix,
  setUpMariadb,
  setUpPostgresql,
  type FleetObjects,
  type Monitored,
} from './fleetServers.js';
import { RTT_MS, startBenchProxy, type BenchProxy } from './latencyProxy.js';
import type { PgCpuRules } from './pgBackendCpu.js';
import { openBenchDatabase, type BenchDatabase } from './support.js';

export {
  MYSQL_URL,
  PG_URL,
  monitoredServers,
  instancesPerSet,
  prefix,
  type FleetObjects,
} from './fleetServers.js';
export const logger = createLogger({ level: 'warn' });
/**
 * Every projection runs live in this process, as in `serve` (one leader: no leadership locks), so the
 * service CPU includes what the runners spend on each append: a service that syncs also folds what it
 * synced. BENCH_PROJECTIONS=off measures the session runner, the store client and the drivers alone.
 */
export const liveProjections = process.env.BENCH_PROJECTIONS !== 'off';
export const say = (line: string) => process.stderr.write(`${line}\n`);

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
  /** The store's PostgreSQL server and who its backends work for (pgBackendCpu.ts). */
  pgCpu: { url: string; rules: PgCpuRules };
  /** One set of `perSet` instances per name, alternately MariaDB and PostgreSQL, registered 4 at a time. */
  register(sets: readonly string[], perSet: number): Promise<FleetInstance[][]>;
  /** A MariaDB instance at the proxy's blackhole (accepts, never answers); undefined without a proxy. */
  registerBlackhole(): Promise<FleetInstance | undefined>;
  /** The latency proxy the instances are registered at; undefined when BENCH_RTT_MS=0. */
  proxy: BenchProxy | undefined;
  /**
   * Resolves once every live projection has applied the log up to its head (at once without them): the
   * batches a session left behind are part of what its sync cost.
   */
  settle(): Promise<void>;
}

async function openFleet(
  db: BenchDatabase,
  monitored: Monitored[],
  raw: PostgresEventStore,
  proxy: BenchProxy | undefined,
  projections: ProjectionDaemon | undefined,
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
  const pgCpu = {
    url: db.url,
    rules: {
      storeDatabase: decodeURIComponent(new URL(db.url).pathname.slice(1)),
      monitoredApp: PG_COLLECTOR_APP,
      monitoredUser: collector.user,
    },
  };
  const settle = async () => {
    if (projections) await projections.waitForPosition(await raw.headPosition(), 120_000);
  };
  return { db, deps, ctx, cpuTrees, pgCpu, register, registerBlackhole, proxy, settle } satisfies Fleet;
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
  let projections: ProjectionDaemon | undefined;
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
      await projections?.stop().catch(() => undefined);
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
    if (liveProjections) {
      say(
        'projections: all of them running live in this process, as in serve (BENCH_PROJECTIONS=off runs none)',
      );
      projections = new ProjectionDaemon({
        projections: allProjections,
        store: raw,
        knex: db.knex,
        logger,
        decode: decodeKnown(createEventRegistry()),
      });
      projections.start();
    }
    return await body(await openFleet(db, monitored, raw, proxy, projections));
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await cleanUp();
  }
}
