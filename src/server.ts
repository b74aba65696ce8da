// `whalefall serve`: runtime + projections + HTTP, and an orderly shutdown on SIGINT/SIGTERM:
// stop accepting requests, stop the projections, close pools, then stop the embedded PostgreSQL.
import type { Server } from 'node:http';
import { createApp } from './api/app.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { makeBootstrapAdmin } from './commands/auth.js';
import { openRuntime } from './runtime.js';

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
      await runtime.close();
      logger.info('stopped');
    })();
    return shuttingDown;
  };
  return { server, url, shutdown };
}
