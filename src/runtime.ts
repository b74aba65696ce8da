// Opens what every entry point needs: the database (DATABASE_URL, or the embedded PostgreSQL),
// migrations, the event store (PostgreSQL, or KurrentDB with EVENTSTORE_URL), the event registry
// and the projections. close() releases everything in reverse order, each step logged: background
// syncs, projections, the event store, the pools, then the embedded PostgreSQL.
import type { Knex } from 'knex';
import pg from 'pg';
import { DatabaseMonitor } from './adapters/db/databaseMonitor.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './adapters/db/embeddedPostgres.js';
import { createKnex, migrateLatest } from './adapters/db/knex.js';
import { createPgPool } from './adapters/db/pgPool.js';
import { createKurrentEventStore } from './adapters/eventStore/kurrentEventStore.js';
import type { EventStore } from './adapters/eventStore/port.js';
import { PostgresEventStore } from './adapters/eventStore/postgresEventStore.js';
import { decodeKnown, validatingEventStore } from './adapters/eventStore/validatingEventStore.js';
import { loadKeyring, type Keyring } from './adapters/keyring/keyring.js';
import { BackgroundTasks } from './commands/sync/backgroundTasks.js';
import { ProcessSessions } from './commands/sync/processSessions.js';
import type { Config } from './config.js';
import { createEventRegistry } from './domain/eventTypes.js';
import type { EventRegistry } from './domain/events/registry.js';
import type { Logger } from './logger.js';
import { ProjectionDaemon } from './projections/daemon.js';
import { allProjections } from './projections/index.js';

export const EMBEDDED_DATABASE = 'whalefall';

export interface Runtime {
  config: Config;
  logger: Logger;
  knex: Knex;
  pool: pg.Pool;
  /** Validates appends and upcasts reads through the registry. */
  store: EventStore;
  registry: EventRegistry;
  projections: ProjectionDaemon;
  keyring: KeyringHandle;
  /** Sessions still running after the request that started them; close() waits for them a while. */
  tasks: BackgroundTasks;
  /** Whether the PostgreSQL answers (started by `serve`; the API answers 503 while it does not). */
  database: DatabaseMonitor;
  /** The embedded PostgreSQL when this process started it (not with DATABASE_URL, not when attached). */
  embedded: EmbeddedPostgres | undefined;
  /**
   * This process's sync runs and heartbeat. `serve` calls stop('shutdown') after HTTP stopped and before
   * close(): it ends every open record this process owns (abandoned, reason shutdown) while the store is
   * still up, waits for their attempts and deletes the heartbeat row; close() calls it too (a no-op then).
   */
  sessions: ProcessSessions;
  /** The service database (DATABASE_URL, or the embedded one's): pg-boss opens its own pool on it. */
  databaseUrl: string;
  /** Adds a step to close(), run before the steps registered earlier (the pools, the embedded PostgreSQL). */
  onClose(done: string, run: () => Promise<void>, deadlineMs?: number): void;
  close(): Promise<void>;
}

/** The credential keyring, re-read when a secret names a key this process does not have yet (a rotation). */
export interface KeyringHandle {
  readonly current: () => Keyring;
  readonly reload: () => Promise<void>;
}

export interface RuntimeOptions {
  /** CLI commands attach to the embedded server of a running `serve` instead of starting their own. */
  attachToRunningServer?: boolean;
}

const STEP_MS = 3_000;

/** True when work finished within deadlineMs (no deadline: waits). */
async function bounded(work: Promise<void>, deadlineMs: number | undefined): Promise<boolean> {
  if (deadlineMs === undefined) return work.then(() => true);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), deadlineMs);
  });
  try {
    return await Promise.race([work.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
}

export async function openRuntime(
  config: Config,
  logger: Logger,
  options: RuntimeOptions = {},
): Promise<Runtime> {
  const cleanups: { done: string; run: () => Promise<void>; deadlineMs: number | undefined }[] = [];
  const onClose = (done: string, run: () => Promise<void>, deadlineMs?: number) =>
    cleanups.push({ done, run, deadlineMs });
  const close = async () => {
    for (const { done, run, deadlineMs } of cleanups.reverse()) {
      await bounded(run(), deadlineMs).then(
        (finished) =>
          finished
            ? logger.info(`shutdown: ${done}`)
            : logger.warn({ step: done, deadlineMs }, 'shutdown: a step did not finish in time; going on'),
        (err: unknown) => logger.warn({ err }, `error while shutting down (${done})`),
      );
    }
    cleanups.length = 0;
  };
  try {
    let databaseUrl = config.databaseUrl;
    let embedded: EmbeddedPostgres | undefined;
    if (!databaseUrl) {
      const server = await startEmbeddedPostgres({
        dataDir: config.dataDir,
        port: config.embeddedPgPort,
        logger,
        attachIfRunning: options.attachToRunningServer,
      });
      onClose('embedded PostgreSQL stopped', () => server.stop());
      await ensureDatabase(server.connectionString, EMBEDDED_DATABASE);
      databaseUrl = server.connectionStringFor(EMBEDDED_DATABASE);
      if (server.owned) embedded = server;
    }
    const database = new DatabaseMonitor({ connectionString: databaseUrl, logger });
    onClose('database monitor stopped', () => Promise.resolve(database.stop()));

    const knex = createKnex(databaseUrl, { max: config.databasePoolSize }, logger);
    // Steps that talk to the database get a deadline: with the database gone (or a connection leaked
    // after an outage) they could wait for ever, and the embedded PostgreSQL would never be stopped.
    onClose('knex pool closed', () => knex.destroy(), STEP_MS);
    const pool = createPgPool(databaseUrl, { max: config.databasePoolSize, logger });
    onClose('event store pool closed', () => pool.end(), STEP_MS);
    const ran = await migrateLatest(knex);
    if (ran.length > 0) logger.info({ migrations: ran }, 'migrations applied');

    const loadRing = () =>
      loadKeyring({
        secretKey: config.secretKey,
        previousKeys: config.previousSecretKeys,
        embedded: !config.databaseUrl,
        dataDir: config.dataDir,
      });
    // Loaded by `serve` at start (so a missing key stops it at once) and by commands that need it.
    let ring: Keyring | undefined;
    const keyring: KeyringHandle = {
      current: () => {
        if (!ring) throw new Error('the credential keyring is not loaded (call keyring.reload() first)');
        return ring;
      },
      reload: async () => {
        ring = await loadRing();
      },
    };

    const registry = createEventRegistry();
    const rawStore = config.eventStoreUrl
      ? createKurrentEventStore(config.eventStoreUrl)
      : new PostgresEventStore(pool, { pollIntervalMs: config.projectionPollMs });
    onClose('event store closed', () => rawStore.close(), STEP_MS);
    const store = validatingEventStore(rawStore, registry);

    const projections = new ProjectionDaemon({
      projections: allProjections,
      store: rawStore,
      knex,
      logger,
      decode: decodeKnown(registry),
      batchSize: config.projectionBatchSize,
      // One process leads each projection; the lock connection is its own, not one of the pools'.
      leadership: { connectionString: databaseUrl, retryMs: config.projectionLeaderRetryMs },
    });
    onClose('projections stopped', () => projections.stop(), STEP_MS);

    const tasks = new BackgroundTasks();
    onClose('background syncs drained', async () => {
      if (tasks.size > 0 && !(await tasks.drain(10_000)))
        logger.warn(
          { running: tasks.size },
          'stopping with syncs still running: they will be abandoned at the next start',
        );
    });
    const sessions = new ProcessSessions({ knex, logger, heartbeatMs: config.sync.heartbeatMs });
    onClose('sync sessions stopped', () => sessions.stop('shutdown'));
    return {
      config,
      logger,
      knex,
      pool,
      store,
      registry,
      projections,
      keyring,
      tasks,
      sessions,
      database,
      embedded,
      databaseUrl,
      onClose,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
