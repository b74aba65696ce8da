// Error shapes as pg 8 and Node 20 produce them (message and code copied from real failures).
import { describe, expect, it } from 'vitest';
import { EngineError } from '../port.js';
import { engineErrorCode, toEngineError, toItemError } from './errors.js';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });
const refused = Object.assign(new AggregateError([new Error('connect ECONNREFUSED 127.0.0.1:1')], ''), {
  code: 'ECONNREFUSED',
});

describe('PostgreSQL error mapping', () => {
  it.each([
    [pgError('28P01', 'password authentication failed for user "bob"'), 'DATABASE_CONNECTION_ERROR'],
    [pgError('28000', 'role "bob" does not exist'), 'DATABASE_CONNECTION_ERROR'],
    [pgError('3D000', 'database "nope" does not exist'), 'DATABASE_CONNECTION_ERROR'],
    [pgError('53300', 'sorry, too many clients already'), 'DATABASE_CONNECTION_ERROR'],
    [pgError('57P01', 'terminating connection due to administrator command'), 'DATABASE_CONNECTION_ERROR'],
    [pgError('ENOTFOUND', 'getaddrinfo ENOTFOUND db.invalid'), 'DATABASE_CONNECTION_ERROR'],
    [refused, 'DATABASE_CONNECTION_ERROR'],
    [new Error('Connection terminated unexpectedly'), 'DATABASE_CONNECTION_ERROR'],
    [pgError('57014', 'canceling statement due to statement timeout'), 'DATABASE_TIMEOUT'],
    [new Error('timeout expired'), 'DATABASE_TIMEOUT'],
    [new Error('Connection terminated due to connection timeout'), 'DATABASE_TIMEOUT'],
    [new Error('Query read timeout'), 'DATABASE_TIMEOUT'],
    [pgError('42501', 'permission denied for database "x"'), 'PERMISSION_DENIED'],
    [pgError('42601', 'syntax error at or near "SELEC"'), 'DATABASE_QUERY_ERROR'],
    ['a string', 'DATABASE_QUERY_ERROR'],
  ])('%s -> %s', (err, code) => {
    expect(engineErrorCode(err)).toBe(code);
  });

  it('messages carry the context and SQLSTATE, never the password', () => {
    const err = toEngineError(
      pgError('28P01', 'password authentication failed for user "s3cret"'),
      'ctx',
      's3cret',
    );
    expect(err).toBeInstanceOf(EngineError);
    expect(err.message).toBe('ctx: password authentication failed for user "[REDACTED]" (SQLSTATE 28P01)');
    expect(toEngineError(refused, 'ctx', 'pw').message).toBe('ctx: connect ECONNREFUSED 127.0.0.1:1');
  });

  it('item errors for what a catalog read may hit; connection failures are thrown', () => {
    expect(toItemError(pgError('42501', 'permission denied'), 'database x size', 'pw')).toEqual({
      item: 'database x size',
      code: 'PERMISSION_DENIED',
      message: 'database x size: permission denied (SQLSTATE 42501)',
    });
    expect(() => toItemError(refused, 'database x size', 'pw')).toThrow(EngineError);
  });

  it('a connect that timed out is thrown too (DATABASE_TIMEOUT); a query that timed out is an item error', () => {
    const connect = new Error('Connection terminated due to connection timeout');
    expect(() => toItemError(connect, 'database x size', 'pw')).toThrow(
      expect.objectContaining({ code: 'DATABASE_TIMEOUT', connecting: true }),
    );
    expect(toItemError(new Error('Query read timeout'), 'database x size', 'pw').code).toBe(
      'DATABASE_TIMEOUT',
    );
  });
});
