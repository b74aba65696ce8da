// The composition of pg-boss and the scheduler (src/compose.ts builds the rest): the queues, the built-in
// jobs' runs on the commands, and the records any process may run for another's session.
import type PgBoss from 'pg-boss';
import { openBoss } from './adapters/queue/pgBoss.js';
import { makeJobRuns } from './commands/scheduler/runs.js';
import { createScheduler, type Scheduler } from './commands/scheduler/scheduler.js';
import { capacityWork } from './commands/sync/collectCapacity.js';
import {
  ensureRecordsQueue,
  recordDispatch,
  RECORDS_QUEUE,
  workRecords,
  type RecordDispatch,
} from './commands/sync/recordDispatch.js';
import { accountWork } from './commands/sync/runAccountSync.js';
import { engineSessionWork, type SessionRunDeps } from './commands/sync/runSession.js';
import { composeCommands, composeInstances, composeSessionRun, type CommandRuntime } from './compose.js';
import type { Runtime } from './runtime.js';

/** The record works any process may run for another's session: account syncs and capacity collections. */
const shareableWorks = (sessionRun: SessionRunDeps, config: CommandRuntime['config']) => ({
  account: engineSessionWork(sessionRun, accountWork(config.inventory)),
  capacity: engineSessionWork(sessionRun, capacityWork(config.timezone)),
});

/**
 * pg-boss and the scheduler over the built-in jobs. `schedule`: this process keeps the cron schedules and
 * the catch-up pass (`serve`); a `worker` only takes the queued runs. pg-boss stops with the runtime.
 */
export async function composeScheduler(
  runtime: CommandRuntime & Pick<Runtime, 'databaseUrl' | 'onClose'>,
  options: { schedule: boolean; projectionsHere?: boolean },
): Promise<{ boss: PgBoss; scheduler: Scheduler; dispatch: RecordDispatch }> {
  const { config, logger, knex, pool, store } = runtime;
  const boss = await openBoss({
    connectionString: runtime.databaseUrl,
    schema: config.scheduler.schema,
    schedule: options.schedule,
    supervise: options.schedule,
    logger,
  });
  // Short: with the database gone (serve stopping for that reason) pg-boss cannot stop gracefully, and
  // the whole shutdown must still end within its own deadline.
  runtime.onClose('pg-boss stopped', () => boss.stop({ graceful: true, wait: true, timeout: 3_000 }), 4_000);
  await ensureRecordsQueue(boss, config.sync.instanceDeadlineMs);
  const instances = composeInstances(runtime);
  const works = shareableWorks(composeSessionRun(runtime, instances), config);
  const dispatch = recordDispatch(boss, works, logger);
  const commands = composeCommands(runtime, instances, dispatch);
  let stopping = new AbortController();
  const workers = {
    start: () => {
      stopping = new AbortController();
      return workRecords(boss, composeSessionRun(runtime, instances), works, {
        concurrency: config.sync.concurrency,
        caps: config.sync.globalCap,
        signal: stopping.signal,
      });
    },
    stop: () => (stopping.abort(), boss.offWork(RECORDS_QUEUE)),
  };
  const scheduler = createScheduler({
    boss,
    pool,
    store,
    logger,
    timezone: config.timezone,
    processId: runtime.sessions.id,
    misfireGraceMs: config.scheduler.misfireGraceMs,
    catchUpIntervalMs: config.scheduler.catchUpIntervalMs,
    schedule: options.schedule,
    schema: config.scheduler.schema,
    projectionsHere: options.projectionsHere ?? options.schedule,
    workers,
    runs: makeJobRuns({
      knex,
      store,
      timezone: config.timezone,
      runAccountSync: commands.runAccountSync,
      runClassification: commands.runClassification,
      runCapacityCollection: commands.runCapacityCollection,
      aggregate: commands.aggregate,
      maintainPartitions: commands.maintainPartitions,
      cleanupPartitions: commands.cleanupPartitions,
      partitions: config.partitions,
      maintainQueue: () => boss.maintain(),
    }),
  });
  return { boss, scheduler, dispatch };
}
