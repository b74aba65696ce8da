// The pg.Pool used by the event store. An idle client that the server drops (restart, DROP DATABASE,
// admin shutdown) emits 'error' on the pool; without a listener that would crash the process.
// applicationName (default 'whalefall') names its connections in pg_stat_activity.
import pg from 'pg';
import type { Logger } from '../../logger.js';

export function createPgPool(
  connectionString: string,
  options: { max?: number; logger?: Logger; applicationName?: string } = {},
): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'whalefall',
  });
  pool.on('error', (err) =>
    options.logger?.warn({ err: { message: err.message } }, 'an idle PostgreSQL connection was closed'),
  );
  return pool;
}
