// Input validation at the HTTP edge (malformed JSON, size limit, types, unknown fields, media type,
// paths, paging), the server's request log, and no password anywhere, against the built binary.
// Split from apiSecurity.e2e.test.ts; both start the server with the same environment.
import { beforeAll, describe, expect, it } from 'vitest';
import type { CallResult } from '../support/apiServer.js';
import { codeOf, describeSecretsNeverLeak, useSecurityFixture } from '../support/securityFixture.js';

const fixture = useSecurityFixture();
const { api, rnd, pw } = fixture;
let admin: string;
beforeAll(async () => {
  admin = await api.adminToken();
});

describe('input validation', () => {
  const json = { 'content-type': 'application/json' };
  const fieldsOf = (res: CallResult) =>
    (res.body as { context?: { fields?: { field: string; unknown?: string[] }[] } }).context?.fields ?? [];

  it('malformed JSON -> 400 INVALID_REQUEST', async () => {
    const res = await api.call('POST', '/users', {
      token: admin,
      rawBody: '{"username": "a",',
      headers: json,
    });
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('INVALID_REQUEST');
  });

  it('a body over HTTP_BODY_LIMIT (2kb) -> 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await api.call('POST', '/users', {
      token: admin,
      body: { username: `big-${rnd()}`, password: pw('big'), role: 'viewer', pad: 'x'.repeat(3000) },
    });
    expect(res.status).toBe(413);
    expect(codeOf(res)).toBe('PAYLOAD_TOO_LARGE');
    const login = await api.call('POST', '/auth/login', {
      body: { username: 'admin', password: 'y'.repeat(2100) },
    });
    expect(login.status).toBe(413);
  });

  it('wrong types and unknown fields -> 400 VALIDATION_ERROR naming the field', async () => {
    const typed = await api.call('POST', '/users', {
      token: admin,
      body: { username: 5, password: pw('typed') },
    });
    expect(typed.status).toBe(400);
    expect(codeOf(typed)).toBe('VALIDATION_ERROR');
    expect(fieldsOf(typed).map((f) => f.field)).toContain('body.username');

    const unknown = await api.call('POST', '/users', {
      token: admin,
      body: { username: `unk-${rnd()}`, password: pw('unknown'), is_admin: true },
    });
    expect(unknown.status).toBe(400);
    expect(codeOf(unknown)).toBe('VALIDATION_ERROR');
    expect(fieldsOf(unknown).flatMap((f) => f.unknown ?? [])).toEqual(['is_admin']);

    const login = await api.call('POST', '/auth/login', { body: { username: 'admin', password: 12345678 } });
    expect(login.status).toBe(400);
    expect(fieldsOf(login).map((f) => f.field)).toContain('body.password');
  });

  it('a text/plain body on a JSON route -> 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await api.call('POST', '/users', {
      token: admin,
      rawBody: `username=x&password=y`,
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(415);
    expect(codeOf(res)).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('a JSON string, number, null or array as the whole body -> 400', async () => {
    for (const raw of ['"admin"', '42', 'null', '[]', 'true']) {
      const res = await api.call('POST', '/users', { token: admin, rawBody: raw, headers: json });
      expect(res.status, raw).toBe(400);
      expect(['INVALID_REQUEST', 'VALIDATION_ERROR'], raw).toContain(codeOf(res));
    }
  });

  it('a bad UUID in the path -> VALIDATION_ERROR on params.id', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await api.call(method, '/users/not-a-uuid', {
        token: admin,
        ...(method === 'PUT' ? { body: { role: 'viewer' } } : {}),
      });
      expect(res.status, method).toBe(400);
      expect(codeOf(res)).toBe('VALIDATION_ERROR');
      expect(fieldsOf(res).map((f) => f.field)).toEqual(['params.id']);
    }
  });

  it('bad paging -> VALIDATION_ERROR naming the parameter', async () => {
    const cases: [string, string][] = [
      ['limit=1000', 'query.limit'],
      ['page=0', 'query.page'],
      ['limit=abc', 'query.limit'],
      ['limit=1.5', 'query.limit'],
      ['page=-1', 'query.page'],
      ['limit=', 'query.limit'],
    ];
    for (const path of ['/users', '/audit/events']) {
      for (const [query, field] of cases) {
        const res = await api.call('GET', `${path}?${query}`, { token: admin });
        expect(res.status, `${path}?${query}`).toBe(400);
        expect(codeOf(res)).toBe('VALIDATION_ERROR');
        expect(fieldsOf(res).map((f) => f.field)).toContain(field);
      }
    }
    const unknown = await api.call('GET', '/users?sort=username', { token: admin });
    expect(codeOf(unknown)).toBe('VALIDATION_ERROR');
    const active = await api.call('GET', '/users?active=yes', { token: admin });
    expect(fieldsOf(active).map((f) => f.field)).toContain('query.active');
  });

  it('an unknown route -> 404 RESOURCE_NOT_FOUND, with or without credentials', async () => {
    for (const token of [undefined, admin]) {
      const res = await api.call('GET', '/no/such/route', { token });
      expect(res.status).toBe(404);
      expect(codeOf(res)).toBe('RESOURCE_NOT_FOUND');
    }
    expect(codeOf(await api.call('PATCH', '/users', { token: admin, body: {} }))).toBe('RESOURCE_NOT_FOUND');
  });
});

describe('strings PostgreSQL cannot store', () => {
  // PostgreSQL refuses U+0000 in text (22021): the edge answers VALIDATION_ERROR instead of a 500.
  it('a NUL character in a string input is answered with a 4xx, never a 500', async () => {
    const results = [
      [
        'POST /auth/login',
        await api.call('POST', '/auth/login', { body: { username: 'adm\u0000in', password: pw('nul') } }),
      ],
      ['GET /users?search=%00', await api.call('GET', '/users?search=%00', { token: admin })],
      [
        'GET /audit/events?username=%00',
        await api.call('GET', '/audit/events?username=%00', { token: admin }),
      ],
      [
        'GET /audit/events?actor_id=a%00b',
        await api.call('GET', '/audit/events?actor_id=a%00b', { token: admin }),
      ],
    ] as const;
    const serverErrors = results
      .filter(([, res]) => res.status >= 500)
      .map(([what, res]) => `${what} -> ${res.status} ${codeOf(res)}`);
    expect(serverErrors).toEqual([]);
  });
});

describe('response headers', () => {
  it('an API answer carries no ETag: its envelope timestamp differs every time, so one could never match', async () => {
    const first = await api.call('GET', '/instances', { token: admin });
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBeNull();
    const again = await api.call('GET', '/instances', {
      token: admin,
      headers: { 'if-none-match': 'W/"0-0"' },
    });
    expect(again.status).toBe(200);
  });
});

describe("the server's request log", () => {
  interface LogLine {
    msg?: string;
    errorId?: string;
    req?: { id?: string };
    res?: { statusCode?: number | null };
    err?: Record<string, unknown>;
  }
  const logLines = (): LogLine[] =>
    api.server
      .output()
      .split('\n')
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as LogLine];
        } catch {
          return [];
        }
      });

  // Redaction must leave the ServerResponse to pino-http's serializer (it once copied it and lost the status).
  it('records the status code of a refused request', async () => {
    const res = await api.call('GET', '/users');
    expect(res.status).toBe(401);
    const id = res.headers.get('x-request-id');
    await expect.poll(() => logLines().find((l) => l.req?.id === id)).toBeDefined();
    expect(logLines().find((l) => l.req?.id === id)?.res).toEqual({ statusCode: 401 });
  });
});

describeSecretsNeverLeak(fixture, { events: 1, passwords: 2, bodies: 20 });
