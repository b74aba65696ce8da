import { describe, expect, it } from 'vitest';
import { EngineError } from '../port.js';
import { itemErrorOf, toEngineError } from './mysqlErrors.js';

const err = (code: string, message = `boom ${code}`) => Object.assign(new Error(message), { code });

describe('toEngineError', () => {
  it.each([
    ['connect', 'ECONNREFUSED', 'DATABASE_CONNECTION_ERROR'],
    ['connect', 'ENOTFOUND', 'DATABASE_CONNECTION_ERROR'],
    ['connect', 'ER_ACCESS_DENIED_ERROR', 'DATABASE_CONNECTION_ERROR'],
    ['connect', 'ER_DBACCESS_DENIED_ERROR', 'DATABASE_CONNECTION_ERROR'],
    ['connect', 'ER_ACCOUNT_HAS_BEEN_LOCKED', 'DATABASE_CONNECTION_ERROR'],
    ['connect', 'ETIMEDOUT', 'DATABASE_TIMEOUT'],
    ['query', 'PROTOCOL_SEQUENCE_TIMEOUT', 'DATABASE_TIMEOUT'],
    ['query', 'ER_STATEMENT_TIMEOUT', 'DATABASE_TIMEOUT'],
    ['query', 'ER_QUERY_TIMEOUT', 'DATABASE_TIMEOUT'],
    ['query', 'ER_TABLEACCESS_DENIED_ERROR', 'PERMISSION_DENIED'],
    ['query', 'ER_DBACCESS_DENIED_ERROR', 'PERMISSION_DENIED'],
    ['query', 'ER_SPECIFIC_ACCESS_DENIED_ERROR', 'PERMISSION_DENIED'],
    ['query', 'ER_COLUMNACCESS_DENIED_ERROR', 'PERMISSION_DENIED'],
    ['query', 'PROTOCOL_CONNECTION_LOST', 'DATABASE_CONNECTION_ERROR'],
    ['query', 'ER_PARSE_ERROR', 'DATABASE_QUERY_ERROR'],
    ['query', 'ER_NO_SUCH_TABLE', 'DATABASE_QUERY_ERROR'],
  ] as const)('%s %s -> %s', (phase, code, expected) => {
    expect(toEngineError(err(code), phase, []).code).toBe(expected);
  });

  it('scrubs the password and keeps the code', () => {
    const e = toEngineError(err('ER_PARSE_ERROR', "near 's3cret!' at line 1"), 'query', ['s3cret!']);
    expect(e).toBeInstanceOf(EngineError);
    expect(e.message).toBe("near '[REDACTED]' at line 1 (ER_PARSE_ERROR)");
  });

  it('says something for an empty AggregateError (Node dual-stack ECONNREFUSED)', () => {
    const agg = Object.assign(new AggregateError([new Error('connect ECONNREFUSED ::1:1')], ''), {
      code: 'ECONNREFUSED',
    });
    const e = toEngineError(agg, 'connect', []);
    expect(e.code).toBe('DATABASE_CONNECTION_ERROR');
    expect(e.message).toContain('connect ECONNREFUSED ::1:1');
  });

  it('a closed pool is a connection error', () => {
    expect(toEngineError(new Error('Pool is closed.'), 'query', []).code).toBe('DATABASE_CONNECTION_ERROR');
  });
});

describe('itemErrorOf', () => {
  it('turns a denied catalog into an ItemError', () => {
    expect(itemErrorOf('mysql.user', err('ER_TABLEACCESS_DENIED_ERROR', 'denied'), [])).toEqual({
      item: 'mysql.user',
      code: 'PERMISSION_DENIED',
      message: 'denied (ER_TABLEACCESS_DENIED_ERROR)',
    });
  });

  it('rethrows a lost connection: the whole operation fails', () => {
    expect(() => itemErrorOf('mysql.user', err('PROTOCOL_CONNECTION_LOST'), [])).toThrow(EngineError);
  });

  it('rethrows a connect that timed out: no catalog of a dead host waits for its own connect timeout', () => {
    const connect = toEngineError(err('ETIMEDOUT'), 'connect', []);
    expect(connect).toMatchObject({ code: 'DATABASE_TIMEOUT', connecting: true });
    expect(() => itemErrorOf('collector grants', connect, [])).toThrow(connect);
    expect(itemErrorOf('x', toEngineError(err('PROTOCOL_SEQUENCE_TIMEOUT'), 'query', []), [])).toMatchObject({
      code: 'DATABASE_TIMEOUT',
    });
  });
});
