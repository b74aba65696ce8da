import { describe, it, expect } from 'vitest';
import { createLogger } from './logger.js';

const REDACTED = '[REDACTED]';

/** A logger writing JSON lines into an array, as a pino DestinationStream. */
function capture(level = 'info') {
  const lines: string[] = [];
  const logger = createLogger({
    level,
    destination: {
      write(s: string) {
        lines.push(s);
      },
    },
  });
  return {
    logger,
    lines,
    output: () => lines.join(''),
    last: () => JSON.parse(lines.at(-1) ?? 'null') as Record<string, unknown>,
  };
}

/** Wraps { [key]: value } in `depth` outer objects: depth 2 gives { outer: { middle: { [key]: value } } }. */
function nestAt(depth: number, key: string, value: unknown): Record<string, unknown> {
  let obj: Record<string, unknown> = { [key]: value };
  for (const wrapper of ['inner', 'middle', 'outer'].slice(3 - depth)) obj = { [wrapper]: obj };
  return obj;
}

function at(obj: unknown, path: readonly (string | number)[]): unknown {
  let cur = obj;
  for (const key of path) cur = (cur as Record<string | number, unknown>)[key];
  return cur;
}

const secretKeyNames = [
  'password',
  'passwd',
  'token',
  'cookie',
  'authorization',
  'secret',
  'secretKey',
  'secretkey',
  'secret_key',
  'apiKey',
  'apikey',
  'api_key',
];

describe('createLogger redaction of secret-looking keys', () => {
  for (const key of secretKeyNames) {
    for (const depth of [0, 1, 2, 3]) {
      it(`redacts ${key} at depth ${depth}`, () => {
        const { logger, output, last } = capture();
        const secret = `s3cr3t-${key}-${depth}`;
        logger.info(nestAt(depth, key, secret), 'hello');
        expect(output()).not.toContain(secret);
        expect(output()).toContain(REDACTED);
        const path = [...['outer', 'middle', 'inner'].slice(0, depth), key];
        expect(at(last(), path)).toBe(REDACTED);
      });
    }
  }

  it('redacts authorization and cookie headers on a request', () => {
    const { logger, output, last } = capture();
    logger.info({ req: { headers: { authorization: 'Bearer abc', cookie: 'sid=x', host: 'example.test' } } });
    expect(output()).not.toContain('Bearer abc');
    expect(output()).not.toContain('sid=x');
    expect(last().req).toEqual({
      headers: { authorization: REDACTED, cookie: REDACTED, host: 'example.test' },
    });
  });

  it('redacts a nested credential password', () => {
    const { logger, output, last } = capture();
    logger.info({ credential: { username: 'alice', password: 'pw-hunter2' } });
    expect(output()).not.toContain('pw-hunter2');
    expect(last().credential).toEqual({ username: 'alice', password: REDACTED });
  });

  it('redacts a token three levels down', () => {
    const { logger, output, last } = capture();
    logger.info({ a: { b: { c: { token: 'tok-hunter2' } } } });
    expect(output()).not.toContain('tok-hunter2');
    expect(at(last(), ['a', 'b', 'c', 'token'])).toBe(REDACTED);
  });

  it('redacts set-cookie and x-csrf-token on req/res headers', () => {
    const { logger, output, last } = capture();
    logger.info({
      req: { headers: { 'x-csrf-token': 'csrf-hunter2' } },
      res: { headers: { 'set-cookie': ['sid=hunter2; HttpOnly'] } },
    });
    expect(output()).not.toContain('hunter2');
    expect(at(last(), ['req', 'headers', 'x-csrf-token'])).toBe(REDACTED);
    expect(at(last(), ['res', 'headers', 'set-cookie'])).toBe(REDACTED);
  });

  it('redacts secrets inside arrays', () => {
    const { logger, output, last } = capture();
    logger.info({
      users: [
        { name: 'a', password: 'pw-one' },
        { name: 'b', password: 'pw-two' },
      ],
    });
    logger.info({ a: { b: [{ token: 'tok-three' }] } });
    expect(output()).not.toMatch(/pw-one|pw-two|tok-three/);
    expect(at(last(), ['a', 'b', 0, 'token'])).toBe(REDACTED);
  });

  it('redacts a whole object held under a secret key', () => {
    const { logger, output, last } = capture();
    logger.info({ secret: { nested: 'deep-hunter2' } });
    expect(output()).not.toContain('deep-hunter2');
    expect(last().secret).toBe(REDACTED);
  });

  it('redacts secret-looking properties of a logged Error', () => {
    const { logger, output, last } = capture();
    logger.error(Object.assign(new Error('boom'), { token: 'err-hunter2' }));
    logger.info({ err: Object.assign(new Error('bang'), { password: 'err-hunter3' }) });
    expect(output()).not.toMatch(/err-hunter[23]/);
    expect(at(last(), ['err', 'password'])).toBe(REDACTED);
  });

  it('redacts child logger bindings', () => {
    const { logger, output } = capture();
    logger.child({ token: 'child-hunter2' }).info('from the child');
    expect(output()).not.toContain('child-hunter2');
    expect(output()).toContain(REDACTED);
  });

  it('keeps ordinary fields next to redacted ones', () => {
    const { logger, last } = capture();
    logger.info(
      { username: 'alice', host: 'db.internal', port: 5432, password: 'pw', db: { user: 'bob' } },
      'hi',
    );
    expect(last()).toMatchObject({
      username: 'alice',
      host: 'db.internal',
      port: 5432,
      password: REDACTED,
      db: { user: 'bob' },
      msg: 'hi',
      service: 'whalefall',
      level: 30,
    });
  });

  it('does not mutate the object that was logged', () => {
    const { logger } = capture();
    const logged = { password: 'pw', a: { token: 't' }, list: [{ secret: 's' }] };
    const before = structuredClone(logged);
    logger.info(logged);
    expect(logged).toEqual(before);
  });

  it('respects the level', () => {
    const { logger, lines } = capture('warn');
    logger.info({ password: 'pw' }, 'dropped');
    logger.warn('kept');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('kept');
  });
});

// Shapes a path list would miss: other spellings, other headers, more depth.
describe('redaction of any spelling at any depth', () => {
  const gaps: [string, Record<string, unknown>][] = [
    ['capitalised Password (the comment promises "any case spelling")', { Password: 'LEAK-1' }],
    ['upper-case PASSWORD', { PASSWORD: 'LEAK-2' }],
    ['upper-case SECRET_KEY', { config: { SECRET_KEY: 'LEAK-3' } }],
    ['capitalised Authorization header', { req: { headers: { Authorization: 'Bearer LEAK-4' } } }],
    ['capitalised Cookie header', { req: { headers: { Cookie: 'sid=LEAK-5' } } }],
    ['x-csrf-token on top-level headers', { headers: { 'x-csrf-token': 'LEAK-6' } }],
    ['x-csrf-token three levels down', { ctx: { req: { headers: { 'x-csrf-token': 'LEAK-7' } } } }],
    ['set-cookie on headers other than req/res', { response: { headers: { 'set-cookie': 'sid=LEAK-8' } } }],
    ['x-api-key header', { req: { headers: { 'x-api-key': 'LEAK-9' } } }],
    ['proxy-authorization header', { req: { headers: { 'proxy-authorization': 'Basic LEAK-10' } } }],
    ['accessToken', { accessToken: 'LEAK-11' }],
    ['access_token', { oauth: { access_token: 'LEAK-12' } }],
    ['refreshToken', { refreshToken: 'LEAK-13' }],
    ['client_secret', { oauth: { client_secret: 'LEAK-14' } }],
    ['privateKey', { tls: { privateKey: 'LEAK-15' } }],
    ['a token four levels down', { a: { b: { c: { d: { token: 'LEAK-16' } } } } }],
  ];
  for (const [label, logged] of gaps) {
    it(`redacts ${label}`, () => {
      const { logger, output } = capture();
      logger.info(logged);
      expect(output()).not.toMatch(/LEAK-\d+/);
    });
  }
});

describe('errors and framework objects', () => {
  it('keeps the message and stack of a logged Error, with URL passwords masked, and its own fields redacted', () => {
    const { logger, last } = capture();
    const err = Object.assign(new Error('connect to postgres://app:hunter2@db/x failed'), {
      code: '28P01',
      password: 'pw',
    });
    logger.error({ err }, 'boom');
    const logged = last().err as Record<string, unknown>;
    expect(logged.message).toBe('connect to postgres://app:[REDACTED]@db/x failed');
    expect(logged.stack).toEqual(expect.stringContaining('Error: connect to postgres://app:[REDACTED]@db'));
    expect(logged).toMatchObject({ type: 'Error', code: '28P01', password: REDACTED });
  });

  it('leaves class instances (requests, responses) to their serializers', () => {
    class Response {
      statusCode = 401;
      get headersSent() {
        return true;
      }
    }
    const { logger, last } = capture();
    const res = new Response();
    logger
      .child(
        {},
        { serializers: { res: (r: Response) => ({ statusCode: r.headersSent ? r.statusCode : null }) } },
      )
      .info({ res }, 'done');
    expect(last().res).toEqual({ statusCode: 401 });
  });
});

// Identifiers are not secrets; session tokens and cookies are. Every sync log line carries a sessionId.
describe('session identifiers pass through, session secrets do not', () => {
  const identifiers = ['sessionId', 'session_id', 'sessionIds', 'SESSION_ID', 'correlationId', 'instanceId'];
  for (const key of identifiers) {
    it(`keeps ${key}`, () => {
      const { logger, last } = capture();
      logger.info({ [key]: '6f1c2a9e-0b7d-4d2e-9a51-3c8e5f7b1d04' });
      expect(last()[key]).toBe('6f1c2a9e-0b7d-4d2e-9a51-3c8e5f7b1d04');
    });
  }
  it('keeps a sessionId bound on a child logger', () => {
    const { logger, last } = capture();
    logger.child({ sessionId: 'abc-123' }).info('sync started');
    expect(last().sessionId).toBe('abc-123');
  });

  const secrets = [
    'session',
    'Session',
    'sessionToken',
    'session_token',
    'sessionSecret',
    'sessionCookie',
    'sessionKey',
    'sid',
    'cookie',
    'authorization',
    'token',
    'refresh_token',
    'password',
    'passwd',
  ];
  for (const key of secrets) {
    it(`redacts ${key}`, () => {
      const { logger, output, last } = capture();
      logger.info({ ctx: { [key]: `LEAK-${key}` } });
      expect(output()).not.toContain(`LEAK-${key}`);
      expect(at(last(), ['ctx', key])).toBe(REDACTED);
    });
  }
});
