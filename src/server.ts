// `whalefall serve`: runtime + projections + HTTP + the scheduler (pg-boss), a watch on the database (an embedded PostgreSQL that
// dies is restarted, or the process exits 1), and an orderly shutdown on SIGINT/SIGTERM: stop HTTP, end
// the sync records this process owns, stop the projections, close the pools, and only then stop the
// embedded PostgreSQL (which runs in its own process group, so a terminal's Ctrl-C does not reach it).
import type { Server } from 'node:http';
import { superviseEmbeddedPostgres } from './adapters/db/embeddedSupervisor.js';
import { createApp } from './api/app.js';
import type { ApiDeps } from './api/deps.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Scheduler } from './commands/scheduler/scheduler.js';
import type { RecordDispatch } from './commands/sync/recordDispatch.js';
import { composeApi, type Commands } from './compose.js';
import { composeScheduler } from './composeScheduler.js';
import { localDate } from './domain/periods/periods.js';
import { every, startRecovery } from './processLoop.js';
import { openRuntime, type Runtime } from './runtime.js';

export interface RunningServer {
  server: Server;
  url: string;
  shutdown(reason: string): Promise<void>;
}

export interface ServerOptions {
  /** How the process ends after the database was lost for good (default: exit code 1). */
  exit?: (code: number) => void;
}

export async function startServer(
  config: Config,
  logger: Logger,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const runtime = await openRuntime(config, logger);
  let api: ApiDeps;
  let scheduler: Scheduler | undefined;
  let dispatch: RecordDispatch | undefined;
  try {
    await runtime.keyring.reload();
    if (config.scheduler.enabled)
      ({ scheduler, dispatch } = await composeScheduler(runtime, { schedule: true }));
    api = await composeApi(runtime, scheduler, dispatch);
  } catch (err) {
    await runtime.close();
    throw err;
  }
  const { commands } = api;
  const generated = await commands.bootstrapAdmin(config.adminPassword, new Date());
  if (generated) {
    // Printed once, to the console only (not the log): it is not stored anywhere in clear.
    console.log(
      `\n  whalefall: created the administrator 'admin' with the password\n\n      ${generated}\n\n  Log in and change it (POST /api/v1/auth/change-password). It will not be shown again.\n`,
    );
  }
  const seeded = await commands.seedSystemClassifications({
    actor: { kind: 'system', id: 'seed' },
    correlationId: 'seed',
    now: new Date(),
  });
  if (seeded.created.length > 0) logger.info({ streams: seeded.created }, 'system classifications seeded');
  if (seeded.nameConflicts.length > 0)
    logger.warn(
      { names: seeded.nameConflicts },
      'system classifications not created: a classification of the same name exists',
    );
  runtime.projections.start();
  runtime.database.start();
  // Until the server is listening, a lost database is remembered and acted on once shutdown exists.
  let lost: Error | undefined;
  let giveUp = (err: Error) => {
    lost = err;
  };
  const stopSupervision = runtime.embedded
    ? superviseEmbeddedPostgres({
        embedded: runtime.embedded,
        monitor: runtime.database,
        logger,
        attempts: config.embeddedPgRestart.attempts,
        backoffMs: config.embeddedPgRestart.backoffMs,
        // The runners may be sleeping out a long backoff after failing against the dead server.
        onRestarted: async () => {
          await runtime.projections.stop();
          runtime.projections.start();
        },
        onGiveUp: (err) => giveUp(err),
      })
    : () => undefined;
  const { app } = createApp(api);
  const stopRecovery = await startRecovery(runtime, commands);
  const stopPartitionMaintenance = await startPartitionMaintenance(runtime, commands);
  // After recovery (the heartbeat beats, orphaned records are ended): the jobs' runs start sessions.
  if (scheduler)
    await scheduler.start().catch(async (err: unknown) => {
      stopRecovery();
      stopPartitionMaintenance();
      await runtime.close();
      throw err;
    });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  }).catch(async (err: unknown) => {
    stopSupervision();
    await runtime.close();
    throw err;
  });
  const url = `http://${config.host}:${config.port}`;
  logger.info({ url }, 'whalefall is listening');

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (reason: string) => {
    shuttingDown ??= (async () => {
      logger.info({ reason }, 'shutting down');
      stopSupervision();
      // The live event streams end first: they would hold their connections open for closeHttp's 5 s.
      api.sessionFeed.close();
      await closeHttp(server);
      logger.info('shutdown: HTTP server closed');
      stopRecovery();
      stopPartitionMaintenance();
      // No new job run is taken; the runs going end once their sessions do (stopped just below).
      const runsEnded = scheduler?.stop();
      await runtime.sessions.stop('shutdown');
      logger.info('shutdown: sync sessions stopped');
      if (runsEnded) {
        await runsEnded;
        logger.info('shutdown: scheduler stopped');
      }
      await runtime.close();
      logger.info('stopped');
    })();
    return shuttingDown;
  };
  giveUp = (err) => {
    // Printed as well as logged: the log may be a file nobody watches, the exit code is for a supervisor.
    logger.fatal({ err }, `stopping (exit code 1): ${err.message}`);
    console.error(`whalefall: stopping (exit code 1): ${err.message}`);
    const exit = () => (options.exit ?? process.exit)(1);
    // Every step of the shutdown has its own deadline; this one is for the whole, whatever happens.
    setTimeout(exit, 30_000).unref();
    void shutdown('the database was lost').finally(exit);
  };
  if (lost) giveUp(lost);
  return { server, url, shutdown };
}

/** Stops accepting connections, lets requests in progress finish (5 s at most), closes idle keep-alives. */
function closeHttp(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, 5_000).unref();
  });
}

/**
 * Creates the monthly partitions missing from this month to PARTITION_MONTHS_AHEAD ahead: once at start
 * and then every PARTITION_MAINTENANCE_INTERVAL_MS. Returns a function that stops the timer.
 */
async function startPartitionMaintenance(runtime: Runtime, commands: Commands): Promise<() => void> {
  const { config, logger } = runtime;
  const pass = () => {
    const now = new Date();
    const today = localDate(now, config.timezone);
    return commands.maintainPartitions({ today, monthsAhead: config.partitions.monthsAhead, now });
  };
  await pass().catch((err: unknown) =>
    logger.error({ err }, 'the start-up partition maintenance pass failed; the timer will try again'),
  );
  return every(config.partitions.maintenanceIntervalMs, pass, (err) =>
    logger.error({ err }, 'partition maintenance pass failed'),
  );
}
