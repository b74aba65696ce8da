// Which errors mean "the service's PostgreSQL cannot be reached right now" (stopped, restarting, killed,
// not answering), as opposed to a query that failed. The API answers those 503 DATABASE_UNAVAILABLE.
// Errors are walked through `cause` and AggregateError (a refused connection to ::1 and 127.0.0.1).

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

// SQLSTATE: class 08 connection exceptions; 57P01 admin_shutdown, 57P02 crash_shutdown,
// 57P03 cannot_connect_now (starting up, shutting down, in recovery); 53300 too_many_connections.
const isUnavailableSqlState = (code: string) =>
  code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300';

// pg, pg-pool and knex (tarn) report these without a code.
const messages = [
  /^Connection terminated/, // pg: the server closed the connection (or pg-pool: connect timeout)
  /^timeout expired$/, // pg: connectionTimeoutMillis while connecting
  /^timeout exceeded when trying to connect$/, // pg-pool: connectionTimeoutMillis waiting for a client
  /^Query read timeout$/, // pg: query_timeout
  /is not queryable$/, // pg: a client that already met a connection error
  /^Knex: Timeout acquiring a connection/, // knex: acquireConnectionTimeout
];

const names = new Set(['EventStoreUnavailableError', 'KnexTimeoutError']);

export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (depth > 8 || err === null || typeof err !== 'object') return false;
  const { code, name, message, cause, errors } = err as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string' && (networkCodes.has(code) || isUnavailableSqlState(code))) return true;
  if (typeof name === 'string' && names.has(name)) return true;
  if (typeof message === 'string' && messages.some((m) => m.test(message))) return true;
  if (Array.isArray(errors) && errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return isDatabaseUnavailable(cause, depth + 1);
}
