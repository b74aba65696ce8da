// Input validation at the HTTP edge (malformed JSON, size limit, types, unknown fields, media type,
// paths, paging), the server's request log, and no password anywhere, against the built binary.
// Split from apiSecurity.e2e.test.ts; both start the server with the same environment.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startApiServer, type ApiServer, type CallResult } from '../support/apiServer.js';

let api: ApiServer;
let admin: string;
const passwords = new Set<string>([ADMIN_PASSWORD]);
const bodies: string[] = [];

const rnd = () => randomBytes(4).toString('hex');
/** A distinctive password (recorded, so the secrets check looks for it). */
const pw = (label: string) => remember(`Pw-${label}-${rnd()}!`);
const remember = (p: string) => (passwords.add(p), p);

beforeAll(async () => {
  api = await startApiServer({
    LOGIN_RATE_LIMIT_PER_USER: '3',
    LOGIN_RATE_LIMIT_PER_ADDRESS: '1000',
    HTTP_BODY_LIMIT: '2kb',
  });
  // Keep every response body, for the secrets check at the end.
  const call = api.call.bind(api);
  api.call = async (method, path, options) => {
    const res = await call(method, path, options);
    bodies.push(typeof res.body === 'string' ? res.body : JSON.stringify(res.body));
    return res as never;
  };
  admin = await api.adminToken();
});
afterAll(async () => api?.stop());

const codeOf = (res: CallResult) => (res.body as { message_code?: string }).message_code;

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

describe('secrets never leak', () => {
  // Sanity minimums: the checks below looked at something.
  const [MIN_EVENTS, MIN_PASSWORDS, MIN_BODIES] = [1, 2, 20];
  const leaks = (text: string) =>
    [...passwords].filter((p) => text.includes(p)).concat(text.includes('scrypt$') ? ['scrypt$'] : []);

  it('events and the audit log hold no password and no hash', async () => {
    // Once the audit_log projection has caught up with every audit event.
    const count = async (sql: string) =>
      Number((await api.db.knex.raw<{ rows: { n: string }[] }>(sql)).rows[0]?.n);
    await expect
      .poll(async () => count('SELECT count(*) AS n FROM audit_log'), { timeout: 15_000 })
      .toBe(await count("SELECT count(*) AS n FROM events WHERE stream_id LIKE 'audit-%'"));
    const events = await api.db.knex.raw<{ rows: { data: string; metadata: string }[] }>(
      'SELECT data::text AS data, metadata::text AS metadata FROM events',
    );
    expect(events.rows.length).toBeGreaterThan(MIN_EVENTS);
    for (const row of events.rows) expect(leaks(row.data + row.metadata)).toEqual([]);
    const audit = await api.db.knex.raw<{ rows: { details: string }[] }>(
      'SELECT details::text AS details FROM audit_log',
    );
    expect(audit.rows.length).toBeGreaterThan(MIN_EVENTS);
    for (const row of audit.rows) expect(leaks(row.details)).toEqual([]);
  });

  it('no response body held a password, a hash or password_hash', () => {
    expect(passwords.size).toBeGreaterThan(MIN_PASSWORDS);
    expect(bodies.length).toBeGreaterThan(MIN_BODIES);
    for (const body of bodies) {
      expect(leaks(body)).toEqual([]);
      expect(body).not.toContain('password_hash');
    }
  });

  it("the server's output holds no password (not even the admin password from the environment)", () => {
    expect(leaks(api.server.output())).toEqual([]);
  });
});
