// pg and Node errors -> EngineError codes. SQLSTATE first (the server said what went wrong), then the
// Node socket codes and the pg client's own timeout messages. Every message goes through scrubSecrets.
import pg from 'pg';
import type { ItemError } from '../../../domain/engines/model.js';
import { EngineError, scrubSecrets, type EngineErrorCode } from '../port.js';

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  errors?: unknown;
}

const connectionSqlStates = new Set(['3D000', '53300', '57P01', '57P02', '57P03']);
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EADDRNOTAVAIL',
]);
const connectTimeoutMessages = [
  'timeout exceeded when trying to connect', // pg.Pool: no free client within connectionTimeoutMillis
  'Connection terminated due to connection timeout', // pg.Pool: connect took connectionTimeoutMillis
  'timeout expired', // pg.Client.connect(): connectionTimeoutMillis
];
const clientTimeoutMessages = [...connectTimeoutMessages, 'Query read timeout' /* query_timeout */];
const startsWithAny = (text: string, prefixes: readonly string[]) =>
  prefixes.some((m) => text === m || text.startsWith(m));

export function engineErrorCode(err: unknown): EngineErrorCode {
  const { code, message } = (err ?? {}) as ErrorLike;
  const text = typeof message === 'string' ? message : '';
  if (typeof code === 'string') {
    if (code === '57014' || code === '55P03' || code === 'ETIMEDOUT') return 'DATABASE_TIMEOUT';
    if (code === '42501') return 'PERMISSION_DENIED';
    if (code.startsWith('08') || code.startsWith('28') || connectionSqlStates.has(code))
      return 'DATABASE_CONNECTION_ERROR';
    if (socketCodes.has(code)) return 'DATABASE_CONNECTION_ERROR';
  }
  if (startsWithAny(text, clientTimeoutMessages)) return 'DATABASE_TIMEOUT';
  if (/Connection terminated|Client has encountered a connection error/i.test(text))
    return 'DATABASE_CONNECTION_ERROR';
  return 'DATABASE_QUERY_ERROR';
}

/** The text of an error; Node's AggregateError (IPv4 + IPv6 refused) has an empty message. */
function describe(err: unknown): string {
  const { code, message, errors } = (err ?? {}) as ErrorLike;
  let text = typeof message === 'string' ? message : String(err);
  if (!text && Array.isArray(errors)) text = errors.map((e) => describe(e)).join('; ');
  if (!text && typeof code === 'string') text = code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !text.includes(code)
    ? `${text} (SQLSTATE ${code})`
    : text;
}

export function toEngineError(err: unknown, context: string, password: string): EngineError {
  if (err instanceof EngineError) return err;
  const message = scrubSecrets(`${context}: ${describe(err)}`, [password]);
  const { message: text } = (err ?? {}) as ErrorLike;
  const connecting = typeof text === 'string' && startsWithAny(text, connectTimeoutMessages);
  return new EngineError(engineErrorCode(err), message, { connecting });
}

/**
 * A catalog that could not be read, as an ItemError; connection failures (and a connect that timed out)
 * are rethrown as EngineError.
 */
export function toItemError(err: unknown, item: string, password: string): ItemError {
  const error = toEngineError(err, item, password);
  if (error.code === 'DATABASE_CONNECTION_ERROR' || error.connecting) throw error;
  return { item, code: error.code, message: error.message };
}

/**
 * Whether a batched query that failed is asked again one by one (which tells which statement failed, as
 * ItemErrors): yes after a statement the server refused (a denied catalog; 3D000, a database dropped
 * meanwhile, is no connection failure here) or a timeout; not after a connection failure or a server out
 * of connections, which asking again would wait for again (deadHost.int.test.ts).
 */
export function askAgain(err: unknown, secret: string): boolean {
  if (err instanceof pg.DatabaseError) return !/^(08|53|57P)/.test(err.code ?? '');
  const error = toEngineError(err, '', secret);
  return error.code !== 'DATABASE_CONNECTION_ERROR' && !error.connecting;
}
