// `whalefall serve`: runtime + projections + HTTP, and an orderly shutdown on SIGINT/SIGTERM:
// stop accepting requests, stop the projections, close pools, then stop the embedded PostgreSQL.
import type { Server } from 'node:http';
import { createApp } from './api/app.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { makeBootstrapAdmin } from './commands/auth.js';
import { runPartitionMaintenance } from './commands/partitionMaintenance.js';
import { abandonExpiredRecords } from './commands/sync/recovery.js';
import { leaseFor } from './commands/sync/runAccountSync.js';
import { localDate } from './domain/periods/periods.js';
import { openRuntime, type Runtime } from './runtime.js';

export interface RunningServer {
  server: Server;
  url: string;
  shutdown(reason: string): Promise<void>;
}

export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const runtime = await openRuntime(config, logger);
  try {
    await runtime.secrets.reload();
  } catch (err) {
    await runtime.close();
    throw err;
  }
  const generated = await makeBootstrapAdmin(runtime)(config.adminPassword, new Date());
  if (generated) {
    // Printed once, to the console only (not the log): it is not stored anywhere in clear.
    console.log(
      `\n  whalefall: created the administrator 'admin' with the password\n\n      ${generated}\n\n  Log in and change it (POST /api/v1/auth/change-password). It will not be shown again.\n`,
    );
  }
  runtime.projections.start();
  const { app } = await createApp(runtime);
  const stopRecovery = await startRecovery(runtime);
  const stopPartitionMaintenance = await startPartitionMaintenance(runtime);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  }).catch(async (err: unknown) => {
    await runtime.close();
    throw err;
  });
  const url = `http://${config.host}:${config.port}`;
  logger.info({ url }, 'whalefall is listening');

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (reason: string) => {
    shuttingDown ??= (async () => {
      logger.info({ reason }, 'shutting down');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => {
          server.closeAllConnections();
          resolve();
        }, 5_000).unref();
      });
      stopRecovery();
      stopPartitionMaintenance();
      await runtime.close();
      logger.info('stopped');
    })();
    return shuttingDown;
  };
  return { server, url, shutdown };
}

/** Runs `pass` every `intervalMs` (a failure is logged; the next tick tries again); returns the stop. */
function every(
  intervalMs: number,
  pass: () => Promise<unknown>,
  onError: (err: unknown) => void,
): () => void {
  const timer = setInterval(() => {
    pass().catch(onError);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Ends the sync records of processes that stopped: once at start (at once: it reads the session streams
 * and the heartbeats, no projection) and then on a timer. This process beats from now on, so the others
 * know it is alive. Returns a function that stops the timer.
 */
async function startRecovery(runtime: Runtime): Promise<() => void> {
  const { config, logger } = runtime;
  const pass = async () => {
    await abandonExpiredRecords(runtime, new Date(), leaseFor(config.sync.instanceDeadlineMs));
  };
  try {
    await runtime.sessions.start();
    await pass();
  } catch (err) {
    logger.error({ err }, 'the start-up recovery pass failed; the timer will try again');
  }
  return every(config.sync.recoveryIntervalMs, pass, (err) => logger.error({ err }, 'recovery pass failed'));
}

/**
 * Creates the monthly partitions missing from this month to PARTITION_MONTHS_AHEAD ahead: once at start
 * and then every PARTITION_MAINTENANCE_INTERVAL_MS. Returns a function that stops the timer.
 */
async function startPartitionMaintenance(runtime: Runtime): Promise<() => void> {
  const { config, logger } = runtime;
  const pass = () => {
    const now = new Date();
    const today = localDate(now, config.timezone);
    return runPartitionMaintenance(runtime, { today, monthsAhead: config.partitions.monthsAhead, now });
  };
  await pass().catch((err: unknown) =>
    logger.error({ err }, 'the start-up partition maintenance pass failed; the timer will try again'),
  );
  return every(config.partitions.maintenanceIntervalMs, pass, (err) =>
    logger.error({ err }, 'partition maintenance pass failed'),
  );
}
