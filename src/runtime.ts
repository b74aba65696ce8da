// Opens what every entry point needs: the database (DATABASE_URL, or the embedded PostgreSQL),
// migrations, the event store (PostgreSQL, or KurrentDB with EVENTSTORE_URL), the event registry
// and the projections. close() releases everything in reverse order.
import type { Knex } from 'knex';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './adapters/db/embeddedPostgres.js';
import { createKnex, migrateLatest } from './adapters/db/knex.js';
import { createPgPool } from './adapters/db/pgPool.js';
import { createKurrentEventStore } from './adapters/eventStore/kurrentEventStore.js';
import type { EventStore } from './adapters/eventStore/port.js';
import { PostgresEventStore } from './adapters/eventStore/postgresEventStore.js';
import { decodeKnown, validatingEventStore } from './adapters/eventStore/validatingEventStore.js';
import { loadKeyring, type Keyring } from './adapters/secrets/keyring.js';
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
  secrets: Secrets;
  /** Sessions still running after the request that started them; close() waits for them a while. */
  tasks: BackgroundTasks;
  /**
   * This process's sync runs and heartbeat. stop(reason) ends the records it owns (abandoned with the
   * reason) and deletes its heartbeat row; close() calls it first, before the store goes away.
   */
  sessions: ProcessSessions;
  close(): Promise<void>;
}

/** The credential keyring, re-read when a secret names a key this process does not have yet (a rotation). */
export interface Secrets {
  readonly keyring: () => Keyring;
  readonly reload: () => Promise<void>;
}

export interface RuntimeOptions {
  /** CLI commands attach to the embedded server of a running `serve` instead of starting their own. */
  attachToRunningServer?: boolean;
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
  const cleanups: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((err: unknown) => logger.warn({ err }, 'error while shutting down'));
    }
    cleanups.length = 0;
  };
  try {
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      const embedded: EmbeddedPostgres = await startEmbeddedPostgres({
        dataDir: config.dataDir,
        port: config.embeddedPgPort,
        logger,
        attachIfRunning: options.attachToRunningServer,
      });
      cleanups.push(() => embedded.stop());
      await ensureDatabase(embedded.connectionString, EMBEDDED_DATABASE);
      databaseUrl = embedded.connectionStringFor(EMBEDDED_DATABASE);
    }

    const knex = createKnex(databaseUrl);
    cleanups.push(() => knex.destroy());
    const pool = createPgPool(databaseUrl, { logger });
    cleanups.push(() => pool.end());
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
    const secrets: Secrets = {
      keyring: () => {
        if (!ring) throw new Error('the credential keyring is not loaded (call secrets.reload() first)');
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
    cleanups.push(() => rawStore.close());
    const store = validatingEventStore(rawStore, registry);

    const projections = new ProjectionDaemon({
      projections: allProjections,
      store: rawStore,
      knex,
      logger,
      decode: decodeKnown(registry),
      batchSize: config.projectionBatchSize,
    });
    cleanups.push(() => projections.stop());

    const tasks = new BackgroundTasks();
    cleanups.push(async () => {
      if (tasks.size > 0 && !(await tasks.drain(10_000)))
        logger.warn(
          { running: tasks.size },
          'stopping with syncs still running: they will be abandoned at the next start',
        );
    });
    const sessions = new ProcessSessions({ knex, logger, heartbeatMs: config.sync.heartbeatMs });
    cleanups.push(() => sessions.stop('shutdown'));
    return { config, logger, knex, pool, store, registry, projections, secrets, tasks, sessions, close };
  } catch (err) {
    await close();
    throw err;
  }
}
