// The pg.Pool used by the event store. An idle client that the server drops (restart, DROP DATABASE,
// admin shutdown) emits 'error' on the pool; without a listener that would crash the process.
import pg from 'pg';
import type { Logger } from '../../logger.js';

export function createPgPool(
  connectionString: string,
  options: { max?: number; logger?: Logger } = {},
): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10, application_name: 'whalefall' });
  pool.on('error', (err) =>
    options.logger?.warn({ err: { message: err.message } }, 'an idle PostgreSQL connection was closed'),
  );
  return pool;
}
