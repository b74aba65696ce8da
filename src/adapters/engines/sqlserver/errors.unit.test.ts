import { ConnectionError, RequestError } from 'tedious';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../port.js';
import { mapSqlserverError, toItemError } from './errors.js';

const password = 'S3cret!pw';

/** A RequestError as tedious builds it from the server's ERROR token (token/handler.js). */
function serverError(message: string, number: number): RequestError {
  const err = new RequestError(message, 'EREQUEST');
  Object.assign(err, { number, state: 1, class: 14, serverName: 'sql01', procName: '', lineNumber: 1 });
  return err;
}

describe('SQL Server error mapping', () => {
  it('login failed (18456) is a connection error, and the password never leaks', () => {
    const err = new ConnectionError(
      `Login failed for user 'collector'. Password '${password}' rejected`,
      'ELOGIN',
    );
    Object.assign(err, { number: 18456 });
    const mapped = mapSqlserverError(err, 'connect', [password]);
    expect(mapped).toBeInstanceOf(EngineError);
    expect(mapped.code).toBe('DATABASE_CONNECTION_ERROR');
    expect(mapped.message).not.toContain(password);
    expect(mapped.message).toContain('[REDACTED]');
    expect(mapped.message).toContain('(error 18456)');
  });

  it('socket failures and connect timeouts are connection errors', () => {
    const refused = new ConnectionError(
      'Failed to connect to db.example:1433 - connect ECONNREFUSED 10.0.0.5:1433',
      'ESOCKET',
    );
    const slow = new ConnectionError('Failed to connect to db.example:1433 in 10000ms', 'ETIMEOUT');
    expect(mapSqlserverError(refused, 'connect', []).code).toBe('DATABASE_CONNECTION_ERROR');
    expect(mapSqlserverError(slow, 'connect', []).code).toBe('DATABASE_CONNECTION_ERROR');
  });

  it('a connection lost during a query is a connection error', () => {
    const lost = new ConnectionError('Connection lost - read ECONNRESET', 'ESOCKET');
    const closed = new RequestError('Connection closed before request completed.', 'ECLOSE');
    expect(mapSqlserverError(lost, 'query', []).code).toBe('DATABASE_CONNECTION_ERROR');
    expect(mapSqlserverError(closed, 'query', []).code).toBe('DATABASE_CONNECTION_ERROR');
  });

  it('a request timeout is DATABASE_TIMEOUT', () => {
    const err = new RequestError('Timeout: Request failed to complete in 30000ms', 'ETIMEOUT');
    expect(mapSqlserverError(err, 'query', []).code).toBe('DATABASE_TIMEOUT');
  });

  it.each([
    [
      229,
      "The SELECT permission was denied on the object 'database_permissions', database 'mssqlsystemresource', schema 'sys'.",
    ],
    [230, "The SELECT permission was denied on the column 'sid' of the object 'sql_logins'."],
    [297, 'The user does not have permission to perform this action.'],
    [300, "VIEW DATABASE STATE permission denied on object 'appdb', database 'appdb'."],
    [
      916,
      'The server principal "collector" is not able to access the database "hrdb" under the current security context.',
    ],
  ])('server error %i is PERMISSION_DENIED', (number, message) => {
    const mapped = mapSqlserverError(serverError(message, number), 'query', []);
    expect(mapped.code).toBe('PERMISSION_DENIED');
    expect(mapped.message).toBe(`${message} (error ${number})`);
  });

  it('other server errors are DATABASE_QUERY_ERROR', () => {
    const err = serverError(
      "Database 'nosuchdb' does not exist. Make sure that the name is entered correctly.",
      911,
    );
    expect(mapSqlserverError(err, 'query', []).code).toBe('DATABASE_QUERY_ERROR');
    expect(mapSqlserverError(new Error('boom'), 'query', []).code).toBe('DATABASE_QUERY_ERROR');
    expect(mapSqlserverError('not an error', 'query', []).code).toBe('DATABASE_QUERY_ERROR');
  });

  it('reads every error of an AggregateError (several errors in one batch)', () => {
    const err = new AggregateError([
      serverError("The SELECT permission was denied on the object 'x'.", 229),
      serverError('Statement(s) could not be prepared.', 8180),
    ]);
    const mapped = mapSqlserverError(err, 'query', []);
    expect(mapped.code).toBe('PERMISSION_DENIED');
    expect(mapped.message).toContain('(error 229); Statement(s) could not be prepared. (error 8180)');
  });

  it('passes EngineErrors through', () => {
    const own = new EngineError('DATABASE_TIMEOUT', 'no free SQL Server connection within 40000 ms');
    expect(mapSqlserverError(own, 'query', [])).toBe(own);
  });

  it('turns a denied catalog into an ItemError, but throws on a lost connection', () => {
    expect(toItemError('sys.master_files', serverError('denied', 229), [])).toEqual({
      item: 'sys.master_files',
      code: 'PERMISSION_DENIED',
      message: 'denied (error 229)',
    });
    const lost = new ConnectionError('Connection lost - socket hang up', 'ESOCKET');
    expect(() => toItemError('sys.master_files', lost, [])).toThrow(EngineError);
  });
});
