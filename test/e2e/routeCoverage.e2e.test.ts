// Every route Express mounted: it has a definition, the OpenAPI document lists it (and nothing else),
// and unless it is public it refuses every kind of missing or bad credentials with 401.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountedRoutes } from '../../src/api/introspect.js';
import type { RouteDefinition } from '../../src/api/route.js';
import { inspectApp, startApiServer, type ApiServer, type CallResult } from '../support/apiServer.js';

type Mounted = { method: string; path: string };

let api: ApiServer;
let mounted: Mounted[];
let definitions: readonly RouteDefinition[];

beforeAll(async () => {
  api = await startApiServer({ WHALEFALL_SCHEDULER: 'on' }); // off, the scheduler's routes answer 503
  const app = await inspectApp(api.db);
  try {
    mounted = mountedRoutes(app.router);
    definitions = app.routes;
  } finally {
    await app.close();
  }
});
afterAll(async () => api?.stop());

const key = (r: Mounted) => `${r.method.toUpperCase()} ${r.path}`;
const definitionOf = (r: Mounted) => definitions.find((d) => d.method === r.method && d.path === r.path);
const isPublic = (r: Mounted) => definitionOf(r)?.access === 'public';
/** A path to call: a UUID for each id, an engine for :db_type. */
const concrete = (path: string) =>
  path.replace(/:db_type\b/g, 'mysql').replace(/:[A-Za-z0-9_]+/g, () => randomUUID());
const openApiPath = (path: string) => `/api/v1${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
const isWrite = (method: string) => method !== 'get';

/** A well-formed HS256 JWT, expired an hour ago and signed with a key the server does not have. */
function foreignExpiredJwt(): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    sub: randomUUID(),
    jti: randomUUID(),
    iss: 'whalefall',
    iat: now - 7200,
    exp: now - 3600,
  };
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ ...payload, iat_ms: (now - 7200) * 1000 })}.${Buffer.from('not-the-signature').toString('base64url')}`;
}

/** An unsigned ("alg: none") token with a future expiry. */
function unsignedJwt(): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: randomUUID(), jti: randomUUID(), iss: 'whalefall', iat: now, iat_ms: now * 1000, exp: now + 3600 })}.`;
}

const credentialVariants: { name: string; headers: () => Record<string, string> }[] = [
  { name: 'no credentials', headers: () => ({}) },
  { name: 'a garbage bearer token', headers: () => ({ authorization: 'Bearer garbage-token' }) },
  {
    name: 'an expired JWT signed elsewhere',
    headers: () => ({ authorization: `Bearer ${foreignExpiredJwt()}` }),
  },
  { name: 'an unsigned JWT', headers: () => ({ authorization: `Bearer ${unsignedJwt()}` }) },
  { name: 'Authorization: Basic x', headers: () => ({ authorization: 'Basic x' }) },
  { name: 'an empty Authorization header', headers: () => ({ authorization: 'Bearer ' }) },
  { name: 'a garbage wf_session cookie', headers: () => ({ cookie: 'wf_session=garbage' }) },
  {
    name: 'a foreign JWT as wf_session cookie',
    headers: () => ({ cookie: `wf_session=${foreignExpiredJwt()}` }),
  },
];

function probe(route: Mounted, headers: Record<string, string>): Promise<CallResult> {
  return api.call(route.method.toUpperCase(), concrete(route.path), {
    headers,
    ...(isWrite(route.method) ? { body: {} } : {}),
  });
}

function expectErrorEnvelope(res: CallResult, code: string): void {
  const body = res.body as Record<string, unknown>;
  expect(body).toMatchObject({
    success: false,
    message_code: code,
    message: expect.any(String),
    timestamp: expect.any(String),
    error_id: expect.any(String),
    recoverable: expect.any(Boolean),
  });
  expect(Number.isNaN(Date.parse(body.timestamp as string))).toBe(false);
  expect(body.error_id).toBe(res.headers.get('x-request-id'));
}

describe('the mounted routes and their definitions', () => {
  it('reads a plausible route list from the router', () => {
    expect(mounted.length).toBeGreaterThan(10);
    expect(mounted.map(key)).toContain('GET /health/ping');
    expect(new Set(mounted.map(key)).size).toBe(mounted.length);
  });

  it('has a definition for every mounted route, and mounts every definition', () => {
    expect(mounted.filter((r) => !definitionOf(r)).map(key)).toEqual([]);
    const mountedKeys = new Set(mounted.map(key));
    expect(definitions.map((d) => key(d)).filter((k) => !mountedKeys.has(k))).toEqual([]);
  });

  it('the OpenAPI document lists exactly the mounted routes', async () => {
    const res = await api.call<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
      'GET',
      '/openapi.json',
    );
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\.1/);
    const httpMethods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
    const documented = Object.entries(res.body.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => httpMethods.includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    const expected = mounted.map((r) => `${r.method.toUpperCase()} ${openApiPath(r.path)}`);
    expect([...documented].sort()).toEqual([...expected].sort());
  });

  it('the OpenAPI document marks exactly the public routes as needing no credentials', async () => {
    const res = await api.call<{ paths: Record<string, Record<string, { security?: unknown[] }>> }>(
      'GET',
      '/openapi.json',
    );
    for (const r of mounted) {
      const op = res.body.paths[openApiPath(r.path)]?.[r.method];
      expect(op, key(r)).toBeDefined();
      expect(op?.security?.length ?? 0, key(r)).toBe(isPublic(r) ? 0 : 2);
    }
  });
});

type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
};
type OpenApiDocument = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }> }>
  >;
  components?: { schemas?: Record<string, JsonSchema> };
};

/**
 * Where a schema says nothing about its values: `{}` (unknown), an object with no properties whose values
 * may be anything, an array of such. A free-form part is allowed below the top of `data` when it says in
 * its description what it holds (e.g. an event's data, whose type's schema defines it).
 */
function untypedParts(
  doc: OpenApiDocument,
  schema: JsonSchema | undefined,
  path: string,
  top = true,
): string[] {
  const s = schema?.$ref ? doc.components?.schemas?.[schema.$ref.split('/').pop()!] : schema;
  if (!s) return [path];
  const alternatives = [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])];
  // A nullable or union schema: each alternative, with the description they share.
  if (alternatives.length)
    return alternatives.flatMap((alt, i) =>
      untypedParts(doc, { description: s.description, ...alt }, `${path}|${i}`, top),
    );
  const values = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
  const freeValues =
    s.additionalProperties === true ||
    (values !== undefined && untypedParts(doc, values, '', false).length > 0);
  // OpenAPI 3.1 writes a nullable type as a list: ['object', 'null'].
  const types = s.type === undefined ? [] : [s.type].flat();
  const free =
    types.length === 0 ||
    (types.includes('object') && !s.properties && (s.additionalProperties === undefined || freeValues));
  if (free) return top || !s.description ? [path] : [];
  if (types.includes('array')) return untypedParts(doc, s.items, `${path}[]`, top);
  return [
    ...Object.entries(s.properties ?? {}).flatMap(([k, v]) => untypedParts(doc, v, `${path}.${k}`, false)),
    ...(values ? untypedParts(doc, values, `${path}{}`, false) : []),
  ];
}

describe('the OpenAPI document types every response', () => {
  it("every 2xx response's data has a schema that says what it holds", async () => {
    const doc = (await api.call<OpenApiDocument>('GET', '/openapi.json')).body;
    const untyped: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (!status.startsWith('2')) continue;
          const definition = definitions.find((d) => openApiPath(d.path) === path && d.method === method);
          // A file route (CSV) documents its own media type; every other one is JSON.
          const body = response.content?.[definition?.contentType ?? 'application/json']?.schema;
          const whole = definition?.raw === true || definition?.contentType !== undefined;
          // A raw or file route sends its data as the whole body; every other one inside the envelope.
          const data = whole ? body : body?.properties?.data;
          for (const part of untypedParts(doc, data, whole ? 'body' : 'data'))
            untyped.push(`${method.toUpperCase()} ${path} ${status}: ${part}`);
        }
      }
    }
    expect(untyped).toEqual([]);
  });
});

describe('authentication on every route', () => {
  it('the public routes are the expected ones', () => {
    expect(mounted.filter(isPublic).map(key).sort()).toEqual(
      [
        'GET /auth/csrf-token',
        'GET /health/ping',
        'GET /health/ready',
        'GET /openapi.json',
        'POST /auth/login',
      ].sort(),
    );
  });

  for (const variant of credentialVariants) {
    it(`every non-public route answers 401 AUTHENTICATION_REQUIRED with ${variant.name}`, async () => {
      const protectedRoutes = mounted.filter((r) => !isPublic(r));
      expect(protectedRoutes.length).toBeGreaterThan(5);
      const failures: string[] = [];
      for (const route of protectedRoutes) {
        const res = await probe(route, variant.headers());
        const body = res.body as { message_code?: string };
        if (res.status !== 401 || body.message_code !== 'AUTHENTICATION_REQUIRED') {
          failures.push(`${key(route)} -> ${res.status} ${JSON.stringify(res.body)}`);
          continue;
        }
        expectErrorEnvelope(res, 'AUTHENTICATION_REQUIRED');
        expect(res.body).toMatchObject({ recoverable: true, context: { reason: expect.any(String) } });
      }
      expect(failures).toEqual([]);
    });
  }

  it('public routes never answer 401, whatever credentials come along', async () => {
    const failures: string[] = [];
    for (const route of mounted.filter(isPublic)) {
      for (const variant of credentialVariants) {
        const res = await probe(route, variant.headers());
        if (res.status === 401 || res.status >= 500)
          failures.push(`${key(route)} with ${variant.name} -> ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('a valid token opens every non-public GET route for an admin (no 401/403/5xx)', async () => {
    const token = await api.adminToken();
    const isStream = (r: Mounted) => definitionOf(r)?.stream === true;
    for (const route of mounted.filter((r) => !isPublic(r) && r.method === 'get' && !isStream(r))) {
      const res = await api.call('GET', concrete(route.path), { token });
      expect([200, 404], `${key(route)} -> ${res.status} ${JSON.stringify(res.body)}`).toContain(res.status);
    }
    // A stream route answers 200 with its media type and stays open: its headers are the answer.
    const streams = mounted.filter(isStream);
    expect(streams.map(key)).toEqual(['GET /events/stream']);
    for (const route of streams) {
      const abort = new AbortController();
      const res = await fetch(`${api.baseUrl}${route.path}`, {
        headers: { authorization: `Bearer ${token}` },
        signal: abort.signal,
      });
      expect(res.status, key(route)).toBe(200);
      expect(res.headers.get('content-type'), key(route)).toMatch(/^text\/event-stream/);
      abort.abort();
    }
  });
});

describe('the error envelope', () => {
  it('carries every field, and error_id is the X-Request-Id response header', async () => {
    const res = await api.call('GET', '/users');
    expect(res.status).toBe(401);
    expectErrorEnvelope(res, 'AUTHENTICATION_REQUIRED');
    expect(res.body).toMatchObject({ message: 'Log in to continue.', recoverable: true });
  });

  it('echoes a well-formed caller X-Request-Id as the error_id', async () => {
    const id = `test-${randomUUID()}`;
    const res = await api.call('GET', '/auth/me', { headers: { 'x-request-id': id } });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toBe(id);
    expectErrorEnvelope(res, 'AUTHENTICATION_REQUIRED');
  });

  it('replaces a malformed caller X-Request-Id with its own', async () => {
    const res = await api.call('GET', '/auth/me', { headers: { 'x-request-id': 'bad id with spaces!' } });
    expect(res.headers.get('x-request-id')).not.toBe('bad id with spaces!');
    expectErrorEnvelope(res, 'AUTHENTICATION_REQUIRED');
  });

  it('has the same shape for unknown routes, malformed JSON and validation errors', async () => {
    const notFound = await api.call('GET', `/no-such-route/${randomUUID()}`);
    expect(notFound.status).toBe(404);
    expectErrorEnvelope(notFound, 'RESOURCE_NOT_FOUND');

    const malformed = await api.call('POST', '/auth/login', {
      rawBody: '{"username": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expectErrorEnvelope(malformed, 'INVALID_REQUEST');

    const invalid = await api.call('GET', `/users/not-a-uuid`, { token: await api.adminToken() });
    expect(invalid.status).toBe(400);
    expectErrorEnvelope(invalid, 'VALIDATION_ERROR');
    expect(invalid.body).toMatchObject({
      context: { fields: [expect.objectContaining({ field: 'params.id' })] },
    });
  });

  it('success responses carry X-Request-Id too', async () => {
    const res = await api.call('GET', '/health/ping');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._-]{8,64}$/);
    expect(res.body).toMatchObject({ success: true, message: 'pong', data: { status: 'ok' } });
  });
});
