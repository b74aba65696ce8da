// pg-boss on the service's own PostgreSQL, in its own schema (PGBOSS_SCHEMA, default `pgboss`), with a small
// pool of its own so its polling never waits behind the event store's appends. `schedule: false` (the
// `whalefall worker` processes, the CLI): no cron timekeeping in this process; `supervise: false`: no
// maintenance (archiving, expiry) in this process. Errors pg-boss reports in the background are logged.
import PgBoss from 'pg-boss';
import type { Logger } from '../../logger.js';

export interface BossOptions {
  connectionString: string;
  schema: string;
  /** This process keeps pg-boss's cron schedules (every `serve`; pg-boss throttles them to one tick). */
  schedule: boolean;
  /** This process runs pg-boss's maintenance (archive, expire, purge). */
  supervise: boolean;
  logger: Logger;
  /** Connections of pg-boss's own pool; default 4. */
  max?: number;
}

export async function openBoss(options: BossOptions): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: options.connectionString,
    schema: options.schema,
    application_name: 'whalefall-pgboss',
    max: options.max ?? 4,
    schedule: options.schedule,
    supervise: options.supervise,
    // Completed and failed jobs stay a week in pg-boss's archive; the job streams keep every run for good.
    deleteAfterDays: 7,
  });
  boss.on('error', (err) => options.logger.error({ err }, 'pg-boss reported an error'));
  await boss.start();
  return boss;
}
