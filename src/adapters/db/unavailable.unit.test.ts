import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './unavailable.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED')],
    [
      'a refused connection to every address (AggregateError)',
      new AggregateError([withCode('ECONNREFUSED')]),
    ],
    ['a reset connection', withCode('ECONNRESET')],
    ['admin_shutdown (57P01)', withCode('57P01', 'terminating connection due to administrator command')],
    ['crash_shutdown (57P02)', withCode('57P02')],
    ['cannot_connect_now (57P03)', withCode('57P03', 'the database system is starting up')],
    ['a connection exception (08006)', withCode('08006')],
    ['a server gone mid-query', new Error('Connection terminated unexpectedly')],
    ['a pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['a client connect timeout', new Error('timeout expired')],
    [
      'a knex acquire timeout',
      Object.assign(new Error('Knex: Timeout acquiring a connection. The pool is probably full.'), {
        name: 'KnexTimeoutError',
      }),
    ],
    [
      'the event store saying so',
      Object.assign(new Error('event store unreachable'), { name: 'EventStoreUnavailableError' }),
    ],
    [
      'a cause that is one of these',
      new Error('reading the stream failed', { cause: withCode('ECONNREFUSED') }),
    ],
  ])('%s: yes', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    ['a syntax error', withCode('42601', 'syntax error at or near "SELEC"')],
    ['a unique violation', withCode('23505')],
    [
      'a statement timeout (the server answered)',
      withCode('57014', 'canceling statement due to statement timeout'),
    ],
    ['a plain error', new Error('something else')],
    ['not an error', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('%s: no', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });
});
