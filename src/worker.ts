// `whalefall worker`: a process that only takes queued job runs. It opens the runtime (attached to a running
// `serve`'s embedded PostgreSQL, or on DATABASE_URL), beats and recovers like serve (src/processLoop.ts),
// and works on the scheduler's pg-boss queues without ever scheduling (no cron timekeeping, no catch-up
// pass): a tick that serve's pg-boss sends may be taken here. No HTTP, no projections. Stop: the queues,
// then this process's sessions, then the runs going, then the runtime.
import { composeCommands } from './compose.js';
import { composeScheduler } from './composeScheduler.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { startRecovery } from './processLoop.js';
import { openRuntime } from './runtime.js';

export interface RunningWorker {
  /** This process's id (its process_heartbeats row, and the owner its job runs record). */
  processId: string;
  shutdown(reason: string): Promise<void>;
}

export async function startWorker(config: Config, logger: Logger): Promise<RunningWorker> {
  const runtime = await openRuntime(config, logger, { attachToRunningServer: true });
  let stopRecovery: () => void = () => undefined;
  let scheduler: Awaited<ReturnType<typeof composeScheduler>>['scheduler'];
  try {
    await runtime.keyring.reload();
    stopRecovery = await startRecovery(runtime, composeCommands(runtime));
    ({ scheduler } = await composeScheduler(runtime, { schedule: false }));
    await scheduler.start();
  } catch (err) {
    stopRecovery();
    await runtime.close();
    throw err;
  }
  const processId = runtime.sessions.id;
  logger.info({ processId }, 'whalefall worker is running');

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) => {
    stopping ??= (async () => {
      logger.info({ reason }, 'shutting down');
      stopRecovery();
      // No new job run is taken; the runs going end once their sessions do (stopped just below).
      const runsEnded = scheduler.stop();
      await runtime.sessions.stop('shutdown');
      logger.info('shutdown: sync sessions stopped');
      await runsEnded;
      logger.info('shutdown: scheduler stopped');
      await runtime.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { processId, shutdown };
}
