// node-oracledb errors -> EngineError codes. Database errors carry code "ORA-nnnnn" and errorNum; driver
// errors "NJS-nnn" (Thin mode's network layer uses NJS-500 and up); Thick mode's "DPI-nnnn" are rewritten
// to NJS codes with the original kept in the message, so every code in the text is considered.
import type { ItemError } from '../../../domain/engines/model.js';
import { EngineError, scrubSecrets, type EngineErrorCode } from '../port.js';
import { errorMessage } from '../../../domain/errors.js';

/** Getting a connection from the pool (connect, login) or running a statement on one. */
export type OraclePhase = 'connect' | 'query';

/** Call timeout (Thin NJS-123, Thick DPI-1067 "with ORA-3156"), cancelled call, no pooled connection in queueTimeout. */
const timeoutCodes = new Set(['NJS-123', 'DPI-1067', 'ORA-03156', 'ORA-01013', 'NJS-040']);
/** Login refused, account locked/expired, no CREATE SESSION, connection closed or broken. */
const connectionCodes = new Set([
  'ORA-01017',
  'ORA-28000',
  'ORA-28001',
  'ORA-01045',
  'ORA-03113',
  'ORA-03114',
  'ORA-03135',
  'DPI-1080',
]);
/** ORA-01031 insufficient privileges; ORA-00942 on a DBA_ view means the view is not granted. */
const permissionCodes = new Set(['ORA-01031', 'ORA-00942', 'ORA-01039']);

export function oracleCodes(err: unknown): string[] {
  const codes = new Set<string>();
  if (err instanceof Error) {
    const { code } = err as { code?: unknown };
    if (typeof code === 'string') codes.add(code);
    for (const [, prefix = '', digits = ''] of err.message.matchAll(/\b(ORA|NJS|DPI)-(\d{3,5})\b/g)) {
      // ODPI-C writes "ORA-3156" where the database writes "ORA-03156".
      codes.add(`${prefix}-${prefix === 'ORA' ? digits.padStart(5, '0') : digits}`);
    }
  }
  return [...codes];
}

/** ORA-12xxx are Oracle Net (TNS) failures: listener, service, host. NJS-5xx are Thin mode's. */
function isNetworkCode(code: string): boolean {
  return /^ORA-12\d{3}$/.test(code) || /^NJS-5\d\d$/.test(code);
}

function classify(codes: readonly string[], phase: OraclePhase): EngineErrorCode {
  if (codes.includes('NJS-040')) return 'DATABASE_TIMEOUT';
  if (phase === 'connect') return 'DATABASE_CONNECTION_ERROR';
  if (codes.some((c) => connectionCodes.has(c) || isNetworkCode(c))) return 'DATABASE_CONNECTION_ERROR';
  if (codes.some((c) => timeoutCodes.has(c))) return 'DATABASE_TIMEOUT';
  if (codes.some((c) => permissionCodes.has(c))) return 'PERMISSION_DENIED';
  return 'DATABASE_QUERY_ERROR';
}

/** Maps any failure to an EngineError whose message is scrubbed of the secrets; EngineErrors pass through. */
export function mapOracleError(err: unknown, phase: OraclePhase, secrets: readonly string[]): EngineError {
  if (err instanceof EngineError) return err;
  const raw = errorMessage(err);
  // Drop the "Help: https://docs.oracle.com/error-help/..." lines Thin mode appends.
  const text = raw
    .split('\n')
    .filter((line) => !line.startsWith('Help: '))
    .join('\n')
    .trim();
  return new EngineError(classify(oracleCodes(err), phase), scrubSecrets(text, secrets), {
    connecting: phase === 'connect',
  });
}

/**
 * A catalog that failed to read becomes an ItemError; a lost connection, or none to be had (NJS-040: no
 * pooled connection within queueTimeout), fails the whole operation.
 */
export function toItemError(item: string, err: unknown, secrets: readonly string[]): ItemError {
  const mapped = mapOracleError(err, 'query', secrets);
  if (mapped.code === 'DATABASE_CONNECTION_ERROR' || mapped.connecting) throw mapped;
  return { item, code: mapped.code, message: mapped.message };
}
