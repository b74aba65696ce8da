// mysql2 / server errors to EngineError codes, and per-item errors. Every message is scrubbed.
import type { ItemError } from '../../../domain/engines/model.js';
import { EngineError, scrubSecrets, type EngineErrorCode } from '../port.js';
import { errorMessage } from '../../../domain/errors.js';

const TIMEOUT_CODES = new Set([
  'PROTOCOL_SEQUENCE_TIMEOUT', // mysql2 query({ timeout })
  'ETIMEDOUT', // mysql2 connectTimeout
  'ER_STATEMENT_TIMEOUT', // MariaDB max_statement_time
  'ER_QUERY_TIMEOUT', // MySQL max_execution_time
  'ER_LOCK_WAIT_TIMEOUT',
]);

const DENIED_CODES = new Set([
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_SPECIFIC_ACCESS_DENIED_ERROR',
  'ER_COLUMNACCESS_DENIED_ERROR',
  'ER_PROCACCESS_DENIED_ERROR',
  'ER_ACCESS_DENIED_ERROR', // after connect: e.g. a statement the account may not run
  'ER_ACCESS_DENIED_NO_PASSWORD_ERROR',
]);

/** Errors after connect that mean the connection itself is gone. */
const LOST_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ER_SERVER_SHUTDOWN',
  'POOL_CLOSED',
]);

export const errorCodeOf = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

export const isQueryTimeout = (err: unknown): boolean => errorCodeOf(err) === 'PROTOCOL_SEQUENCE_TIMEOUT';

function rawMessage(err: unknown): string {
  if (err instanceof AggregateError && !err.message) return err.errors.map((e) => errorMessage(e)).join('; ');
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * `phase: 'connect'`: anything that prevents getting a connection (refused, unknown host, wrong
 * password, unknown database) is DATABASE_CONNECTION_ERROR, except a timeout.
 */
export function toEngineError(
  err: unknown,
  phase: 'connect' | 'query',
  secrets: readonly string[],
): EngineError {
  if (err instanceof EngineError) return err;
  let code = errorCodeOf(err);
  const text = rawMessage(err);
  if (!code && /pool is closed/i.test(text)) code = 'POOL_CLOSED';
  let engineCode: EngineErrorCode;
  if (code && TIMEOUT_CODES.has(code)) engineCode = 'DATABASE_TIMEOUT';
  else if (phase === 'connect' || (code && LOST_CODES.has(code))) engineCode = 'DATABASE_CONNECTION_ERROR';
  else if (code && DENIED_CODES.has(code)) engineCode = 'PERMISSION_DENIED';
  else engineCode = 'DATABASE_QUERY_ERROR';
  const detail = `${text || 'no message'}${code && !text.includes(code) ? ` (${code})` : ''}`;
  const prefix = phase === 'connect' ? 'cannot connect to MySQL/MariaDB: ' : '';
  return new EngineError(engineCode, scrubSecrets(`${prefix}${detail}`, secrets), {
    cause: err,
    connecting: phase === 'connect',
  });
}

/**
 * A failure reading one item: an ItemError. A lost connection, or none to be had (a connect that timed
 * out is DATABASE_TIMEOUT), is not an item failure: it is rethrown, so the whole operation fails.
 */
export function itemErrorOf(item: string, err: unknown, secrets: readonly string[]): ItemError {
  const e = toEngineError(err, 'query', secrets);
  if (e.code === 'DATABASE_CONNECTION_ERROR' || e.connecting) throw e;
  return { item, code: e.code, message: e.message };
}
