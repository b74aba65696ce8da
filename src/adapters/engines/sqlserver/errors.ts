// tedious errors -> EngineError codes. tedious raises ConnectionError (code ELOGIN, ESOCKET, ETIMEOUT...)
// while connecting and RequestError (code EREQUEST with the server's error number, ETIMEOUT, ECLOSE)
// while querying; several server errors in one batch arrive as an AggregateError of RequestErrors.
import type { ItemError } from '../../../domain/engines/model.js';
import { EngineError, scrubSecrets, type EngineErrorCode } from '../port.js';

/** Connecting (socket, TLS, login) or running a request on an open connection. */
export type SqlserverPhase = 'connect' | 'query';

/** 229/230: permission denied on object/column; 262: in database; 297: not permitted; 300: server permission; 916: cannot access database. */
const permissionNumbers = new Set([229, 230, 262, 297, 300, 916]);
/** The connection is gone: the request cannot succeed on it, nor can the next one. */
const connectionLostCodes = new Set(['ESOCKET', 'ECLOSE', 'ELOGIN', 'EINSTLOOKUP', 'ETLS', 'EENCRYPT']);

interface DriverErrorShape {
  message: string;
  code?: string;
  number?: number;
}

function partsOf(err: unknown): DriverErrorShape[] {
  if (err instanceof AggregateError) return err.errors.flatMap(partsOf);
  if (err instanceof Error) {
    const { code, number } = err as { code?: unknown; number?: unknown };
    return [
      {
        message: err.message,
        code: typeof code === 'string' ? code : undefined,
        number: typeof number === 'number' ? number : undefined,
      },
    ];
  }
  return [{ message: String(err) }];
}

function classify(parts: readonly DriverErrorShape[], phase: SqlserverPhase): EngineErrorCode {
  if (phase === 'connect') return 'DATABASE_CONNECTION_ERROR';
  if (parts.some((p) => p.number === 18456 || connectionLostCodes.has(p.code ?? '')))
    return 'DATABASE_CONNECTION_ERROR';
  if (parts.some((p) => p.code === 'ETIMEOUT')) return 'DATABASE_TIMEOUT';
  if (parts.some((p) => p.number !== undefined && permissionNumbers.has(p.number)))
    return 'PERMISSION_DENIED';
  return 'DATABASE_QUERY_ERROR';
}

/** Maps any failure to an EngineError whose message is scrubbed of the secrets; EngineErrors pass through. */
export function mapSqlserverError(
  err: unknown,
  phase: SqlserverPhase,
  secrets: readonly string[],
): EngineError {
  if (err instanceof EngineError) return err;
  const parts = partsOf(err);
  const text = parts
    .map((p) => (p.number === undefined ? p.message : `${p.message} (error ${p.number})`))
    .join('; ');
  return new EngineError(classify(parts, phase), scrubSecrets(text, secrets), {
    connecting: phase === 'connect',
  });
}

/**
 * A catalog that failed to read becomes an ItemError; a lost connection fails the whole operation,
 * since every later query would fail the same way.
 */
export function toItemError(item: string, err: unknown, secrets: readonly string[]): ItemError {
  const mapped = mapSqlserverError(err, 'query', secrets);
  if (mapped.code === 'DATABASE_CONNECTION_ERROR' || mapped.connecting) throw mapped;
  return { item, code: mapped.code, message: mapped.message };
}
