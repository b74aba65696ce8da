import { describe, expect, it } from 'vitest';
import { EngineError } from '../port.js';
import { mapOracleError, oracleCodes, toItemError } from './errors.js';

/** Shaped like node-oracledb's errors: Thin mode adds errorNum/offset to ORA- errors and a Help line. */
function oraError(code: string, text: string): Error {
  const errorNum = Number(code.slice(4));
  const help = `\nHelp: https://docs.oracle.com/error-help/db/ora-${code.slice(4)}/`;
  return Object.assign(new Error(`${code}: ${text}${help}`), {
    code,
    errorNum,
    offset: 0,
    isRecoverable: false,
  });
}
function njsError(code: string, text: string): Error {
  return Object.assign(new Error(`${code}: ${text}`), { code, isRecoverable: code === 'NJS-500' });
}

const password = 'T1ger$pw';

describe('Oracle error mapping', () => {
  it('a refused login is a connection error, without the Help line and without the password', () => {
    const err = oraError('ORA-01017', `invalid credential or not authorized; logon denied (${password})`);
    const mapped = mapOracleError(err, 'connect', [password]);
    expect(mapped).toBeInstanceOf(EngineError);
    expect(mapped.code).toBe('DATABASE_CONNECTION_ERROR');
    expect(mapped.message).toBe('ORA-01017: invalid credential or not authorized; logon denied ([REDACTED])');
  });

  it.each([
    njsError(
      'NJS-503',
      'connection to host db.example port 1521 could not be established. (CONNECTION_ID=x)\nconnect ECONNREFUSED',
    ),
    njsError(
      'NJS-511',
      'connection to listener at host db.example port 1521 was refused. (CONNECTION_ID=x)\nCause: ORA-12541',
    ),
    njsError(
      'NJS-518',
      'cannot connect to Oracle Database. Service "orclpdb" is not registered with the listener',
    ),
    njsError(
      'NJS-510',
      'connection to host db.example port 1521 timed out. Request exceeded "connectTimeout" of 10 seconds.',
    ),
    oraError('ORA-12541', 'Cannot connect. No listener at host db.example port 1521.'),
    oraError('ORA-12514', 'Cannot connect to database. Service orclpdb is not registered with the listener'),
    oraError('ORA-28000', 'The account is locked.'),
  ])('cannot connect: %s', (err) => {
    expect(mapOracleError(err, 'connect', []).code).toBe('DATABASE_CONNECTION_ERROR');
    expect(mapOracleError(err, 'query', []).code).toBe('DATABASE_CONNECTION_ERROR');
  });

  it('a connection lost during a query is a connection error', () => {
    const lost = njsError('NJS-500', 'connection to Oracle Database was closed or broken');
    expect(mapOracleError(lost, 'query', []).code).toBe('DATABASE_CONNECTION_ERROR');
  });

  it('call timeouts (Thin NJS-123, Thick DPI-1067, ORA-01013) are DATABASE_TIMEOUT', () => {
    const thin = njsError('NJS-123', 'call timeout of 30000 ms exceeded');
    // Thick mode: transformErr() rewrites DPI-1067 to NJS-123 and keeps the original below it.
    const thick = njsError(
      'NJS-123',
      'call timeout of 5 ms exceeded\nDPI-1067: call timeout of 5 ms exceeded with ORA-3156',
    );
    const cancelled = oraError('ORA-01013', 'user requested cancel of current operation');
    for (const err of [thin, thick, cancelled])
      expect(mapOracleError(err, 'query', []).code).toBe('DATABASE_TIMEOUT');
    expect(oracleCodes(thick)).toEqual(['NJS-123', 'DPI-1067', 'ORA-03156']);
  });

  it('no pooled connection within queueTimeout is DATABASE_TIMEOUT, even while connecting', () => {
    const queued = njsError(
      'NJS-040',
      'connection request timeout. Request exceeded "queueTimeout" of 40000',
    );
    expect(mapOracleError(queued, 'connect', []).code).toBe('DATABASE_TIMEOUT');
    // Never an item error: each later catalog would wait for its own connection the same way.
    expect(() => toItemError('dba_users', mapOracleError(queued, 'connect', []), [])).toThrow(EngineError);
  });

  it('missing DBA views and privileges are PERMISSION_DENIED', () => {
    const noView = oraError('ORA-00942', 'table or view "SYS"."DBA_USERS" does not exist');
    const noPriv = oraError('ORA-01031', 'insufficient privileges');
    expect(mapOracleError(noView, 'query', []).code).toBe('PERMISSION_DENIED');
    expect(mapOracleError(noPriv, 'query', []).code).toBe('PERMISSION_DENIED');
    expect(mapOracleError(noView, 'query', []).message).toBe(
      'ORA-00942: table or view "SYS"."DBA_USERS" does not exist',
    );
  });

  it('anything else is DATABASE_QUERY_ERROR', () => {
    const badColumn = oraError('ORA-00904', '"ORACLE_MAINTAINED": invalid identifier');
    expect(mapOracleError(badColumn, 'query', []).code).toBe('DATABASE_QUERY_ERROR');
    expect(mapOracleError('???', 'query', []).code).toBe('DATABASE_QUERY_ERROR');
  });

  it('passes EngineErrors through and scrubs URL-encoded passwords too', () => {
    const own = new EngineError('DATABASE_CONNECTION_ERROR', 'the Oracle adapter is closed');
    expect(mapOracleError(own, 'query', [])).toBe(own);
    const echoed = njsError(
      'NJS-515',
      `error in Easy Connect connection string: oracle://u:${encodeURIComponent(password)}@h`,
    );
    expect(mapOracleError(echoed, 'connect', [password]).message).not.toContain(encodeURIComponent(password));
  });

  it('a denied view is an ItemError; a lost connection throws', () => {
    expect(toItemError('dba_users', oraError('ORA-00942', 'table or view does not exist'), [])).toEqual({
      item: 'dba_users',
      code: 'PERMISSION_DENIED',
      message: 'ORA-00942: table or view does not exist',
    });
    expect(() => toItemError('dba_users', njsError('NJS-500', 'closed'), [])).toThrow(EngineError);
  });
});
