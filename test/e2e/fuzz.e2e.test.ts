// Fuzzing every mounted route of the built binary with malformed requests: odd methods, broken path
// parameters, hostile query strings, bodies of every wrong shape and size, odd headers, in four
// credential modes (none, admin bearer, viewer bearer, admin cookie session with random CSRF headers).
// The server must never answer 5xx, every 4xx under /api/v1 must be the error envelope with a catalog
// code, and it must stay up throughout. The requests come from a seeded PRNG: the seed is printed and
// FUZZ_SEED=<seed> replays the same corpus (FUZZ_COUNT changes its size).
import { randomInt } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountedRoutes } from '../../src/api/introspect.js';
import type { RouteDefinition } from '../../src/api/route.js';
import { loadConfig } from '../../src/config.js';
import { isMessageCode, messageCodes } from '../../src/domain/messageCodes.js';
import { ADMIN_PASSWORD, inspectApp, startApiServer, type ApiServer } from '../support/apiServer.js';

// Login rate limits out of the way (each at the maximum src/config.ts accepts: 100000 per address,
// 10000 failures per user).
// The scheduler on: its routes are fuzzed too (off, they answer 503 by design).
const SERVER_ENV = {
  LOGIN_RATE_LIMIT_PER_ADDRESS: '100000',
  LOGIN_RATE_LIMIT_PER_USER: '10000',
  WHALEFALL_SCHEDULER: 'on',
};
const PREFIX = '/api/v1';
const COUNT = Number(process.env.FUZZ_COUNT ?? 3000);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : randomInt(2 ** 32 - 1);
const CONCURRENCY = 8;
const PING_EVERY = 250;
const REQUEST_TIMEOUT_MS = 15_000;
const VIEWER = { username: 'fuzz-viewer', password: 'fuzz-viewer-password-1' };

// ---------------------------------------------------------------------------------------------------
// Regressions: exact requests this fuzzer found answering 500, now in every run (in the corpus and as
// tests of their own). Found against 37a7204: text PostgreSQL cannot store passed zod and failed in a
// query or in an event's jsonb (NUL: 22021 "invalid byte sequence for encoding UTF8: 0x00" or 22P05
// "\u0000 cannot be converted to text"; an unpaired surrogate, JSON "\ud800": 22P02 "Unicode low
// surrogate must follow a high surrogate"), answered 500 INTERNAL_ERROR. batch-create even answered
// 500 after keeping the good items before the bad one. Fixed by checkStorableText in src/api/mount.ts.
// ---------------------------------------------------------------------------------------------------
interface Repro {
  method: string;
  /** Relative to /api/v1. */
  path: string;
  auth: 'none' | 'admin';
  body?: unknown;
}

const pgInstance = { db_type: 'postgresql', host: 'db.example', port: 5432 };
const REGRESSIONS: Repro[] = [
  // NUL (U+0000)
  { method: 'POST', path: '/auth/login', auth: 'none', body: { username: 'a\u0000b', password: 'x' } },
  { method: 'GET', path: '/users?search=%00', auth: 'admin' },
  { method: 'GET', path: '/audit/events?username=%00', auth: 'admin' },
  { method: 'GET', path: '/audit/events?actor_id=%00', auth: 'admin' },
  { method: 'GET', path: '/credentials?search=%00', auth: 'admin' },
  { method: 'GET', path: '/instances?search=%00', auth: 'admin' },
  { method: 'GET', path: '/instances/actions/export?search=%00', auth: 'admin' },
  {
    method: 'POST',
    path: '/credentials',
    auth: 'admin',
    body: { name: 'c\u0000', db_type: 'postgresql', username: 'u', password: 'p' },
  },
  { method: 'POST', path: '/instances', auth: 'admin', body: { name: 'i\u0000', ...pgInstance } },
  {
    method: 'POST',
    path: '/instances/actions/batch-create',
    auth: 'admin',
    body: { instances: [{ name: 'b\u0000', ...pgInstance }] },
  },
  // unpaired surrogate
  { method: 'POST', path: '/auth/login', auth: 'none', body: { username: '\ud800', password: 'x' } },
  {
    method: 'POST',
    path: '/credentials',
    auth: 'admin',
    body: { name: '\ud800', db_type: 'postgresql', username: 'u', password: 'p' },
  },
  { method: 'POST', path: '/instances', auth: 'admin', body: { name: '\ud800', ...pgInstance } },
];

/**
 * Bugs found but not fixed yet: a 500 that `matches` is left out of the strict fuzz test (so it keeps
 * catching new problems) and asserted by an `it.fails` below. Add one with a `// BUG:` comment, its
 * repro in REGRESSIONS under `it.fails`; remove it once fixed. None at the moment.
 */
const KNOWN_BUGS: { id: string; matches(req: Sent): boolean }[] = [];

/** The route a raw path reaches (Express matches case-insensitively and ignores one trailing slash). */
const routeOf = (rawPath: string) =>
  (rawPath.split('?')[0] ?? '').toLowerCase().replace(/\/+$/, '').slice(PREFIX.length);

// ---------------------------------------------------------------------------------------------------
// PRNG and generators
// ---------------------------------------------------------------------------------------------------

/** sfc32: small, fast, good enough, and the same on every machine. */
function prng(seed: number) {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

type Mode = 'none' | 'admin' | 'viewer' | 'cookie';
type CsrfMode =
  'valid' | 'missing' | 'empty' | 'garbage' | 'other-session' | 'no-csrf-cookie' | 'json-cookie';

interface FuzzRequest {
  n: number;
  /** What was mutated, for the report. */
  kind: string[];
  mode: Mode;
  csrf?: CsrfMode;
  method: string;
  /** Raw request target as sent on the request line (already percent-encoded, or deliberately not). */
  path: string;
  headers: Record<string, string>;
  body?: string;
  chunked?: boolean;
}

/** What was actually sent (credentials and framing headers filled in). */
type Sent = FuzzRequest & { sentHeaders: Record<string, string>; payload?: Buffer };

interface Outcome {
  req: Sent;
  status?: number;
  headers?: http.IncomingHttpHeaders;
  body?: string;
  error?: string;
  ms: number;
}

interface FieldInfo {
  name: string;
  kind: 'string' | 'number' | 'boolean' | 'enum' | 'other';
  options: string[];
}

/** Field names and kinds of a zod object schema (through optional/default/pipe wrappers). */
function fieldsOf(schema: unknown): FieldInfo[] {
  const shape = (schema as { shape?: Record<string, unknown> } | undefined)?.shape;
  if (!shape || typeof shape !== 'object') return [];
  return Object.entries(shape).map(([name, field]) => {
    let def = (field as { def?: Record<string, unknown> }).def;
    while (def && ['optional', 'default', 'pipe', 'nullable', 'prefault'].includes(String(def.type))) {
      const inner = (def.innerType ?? def.in) as { def?: Record<string, unknown> } | undefined;
      def = inner?.def;
    }
    const type = String(def?.type);
    const entries = (def?.entries ?? {}) as Record<string, string>;
    const kind =
      type === 'string' || type === 'number' || type === 'boolean' || type === 'enum' ? type : 'other';
    return { name, kind, options: kind === 'enum' ? Object.values(entries) : [] };
  });
}

const weirdStrings = [
  '',
  ' ',
  'a',
  'admin',
  'ADMIN ',
  '\u0000',
  'adm\u0000in',
  '\ud800',
  'x\udc00y',
  '🐳🐋',
  'ünïcødé',
  '\u202Eevil\u202C',
  '\u200B\uFEFF',
  "' OR 1=1 --",
  '%00',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '${7*7}{{7*7}}',
  'null',
  'true',
  '1e309',
  '\n\r\t',
  '\\',
  '%_\\',
  'x'.repeat(65),
  'x'.repeat(201),
  'x'.repeat(1025),
  'Valid-password-123',
];

const wrongValues = (rng: Rng, kind: FieldInfo['kind']): unknown => {
  const all: unknown[] = [
    null,
    0,
    -1,
    1.5,
    1e308,
    Number.MAX_SAFE_INTEGER + 2,
    true,
    false,
    'str',
    '',
    [],
    ['a'],
    {},
    { $gt: '' },
    { __proto__: { polluted: true } },
    [[[[[]]]]],
  ];
  const wrong = all.filter((v) => {
    if (kind === 'string' || kind === 'enum') return typeof v !== 'string' || kind === 'enum';
    if (kind === 'number') return typeof v !== 'number';
    if (kind === 'boolean') return typeof v !== 'boolean';
    return true;
  });
  return rng.pick(wrong);
};

const nested = (depth: number, open: string, close: string, inner = '1') =>
  open.repeat(depth) + inner + close.repeat(depth);

/** encodeURIComponent, except for strings it refuses (lone surrogates): their CESU-8 bytes instead. */
const encodeQ = (s: string) => {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80';
  }
};

const badSegments = (rng: Rng, sacrificialId: string): [string, string] => {
  const uuid = randomUUIDFrom(rng);
  const options: [string, string][] = [
    ['random-uuid', uuid],
    ['existing-uuid', sacrificialId],
    ['uppercase-uuid', uuid.toUpperCase()],
    ['nil-uuid', '00000000-0000-0000-0000-000000000000'],
    ['not-uuid', 'not-a-uuid'],
    ['number', '123'],
    ['negative', '-1'],
    ['huge', 'a'.repeat(1000 + rng.int(5000))],
    ['huge-uuid', uuid.repeat(50)],
    ['pct-error', '%E0%A4%A'],
    ['pct-error', '%'],
    ['pct-error', '%zz'],
    ['pct-error', `${uuid}%E0%A4%A`],
    ['overlong-utf8', '%C0%AF'],
    ['invalid-utf8', '%FF%FE'],
    ['dotdot', '..'],
    ['dotdot', '%2e%2e'],
    ['dotdot', '..%2F..%2Fetc%2Fpasswd'],
    ['dot', '.'],
    ['unicode', encodeQ('ünïcødé🐳')],
    ['unicode', encodeQ('\u202E\u200B')],
    ['nul', '%00'],
    ['nul', `${uuid}%00`],
    ['nul', `abc%00def`],
    ['proto', '__proto__'],
    ['proto', 'constructor'],
    ['sql', "'%20OR%201=1--"],
    ['slash', 'a%2Fb'],
    ['whitespace', '%20%09'],
    ['semicolon', `${uuid};x=1`],
    ['empty', ''],
  ];
  return rng.pick(options);
};

/** A UUID drawn from the PRNG (so a seed replays the same ids). */
function randomUUIDFrom(rng: Rng): string {
  const hex = Array.from({ length: 32 }, () => rng.int(16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[rng.int(4)]}${hex.slice(17, 20)}-${hex.slice(20)}`;
}

function fuzzQuery(rng: Rng, fields: FieldInfo[], kind: string[]): string {
  const parts: string[] = [];
  const count = 1 + rng.int(4);
  for (let i = 0; i < count; i++) {
    const field = fields.length && rng.chance(0.7) ? rng.pick(fields).name : undefined;
    const key = field ?? rng.pick(['x', 'zzz', 'page', 'limit', 'sort', 'a[b][c]', '']);
    const choice = rng.int(14);
    switch (choice) {
      case 0:
        kind.push('query:repeated');
        parts.push(`${key}=1`, `${key}=2`);
        break;
      case 1:
        kind.push('query:array');
        parts.push(`${key}[]=1`, rng.chance(0.5) ? `${key}[]=2` : `${key}[0]=3`);
        break;
      case 2:
        kind.push('query:nested');
        parts.push(`${key}[b][c]=1`);
        break;
      case 3:
        kind.push('query:number');
        parts.push(
          `${key}=${rng.pick(['1e309', '99999999999999999999', '-1', '0', 'NaN', 'Infinity', '-0', '0x10', '1.5', '%201', '', '1e2', '100', '101', '1000001'])}`,
        );
        break;
      case 4:
        kind.push('query:proto');
        parts.push(
          rng.pick([
            '__proto__=1',
            '__proto__[polluted]=1',
            'constructor=1',
            'constructor[prototype][polluted]=1',
            'prototype=1',
            'hasOwnProperty=1',
            'toString=x',
          ]),
        );
        break;
      case 5:
        kind.push('query:pct-error');
        parts.push(rng.chance(0.5) ? `${key}=%E0%A4%A` : `%E0%A4%A=${key}`);
        break;
      case 6:
        kind.push('query:nul');
        parts.push(`${key}=${rng.pick(['%00', 'a%00b', '%00%00'])}`);
        break;
      case 7:
        kind.push('query:huge');
        parts.push(`${key}=${'9'.repeat(200 + rng.int(3000))}`);
        break;
      case 8:
        kind.push('query:bare');
        parts.push(rng.pick([key, '&&&', '=x', '==', '&=&']));
        break;
      case 9:
        kind.push('query:weird-string');
        parts.push(`${key}=${encodeQ(rng.pick(weirdStrings))}`);
        break;
      case 10: {
        // a plausible value, to get past validation and reach the handler
        kind.push('query:valid');
        const f = fields.find((x) => x.name === key);
        const value =
          f?.kind === 'enum'
            ? rng.pick(f.options)
            : f?.kind === 'number'
              ? String(1 + rng.int(100))
              : f?.name === 'from' || f?.name === 'to'
                ? rng.pick(['2020-01-01T00:00:00Z', '0000-01-01T00:00:00+01:00', '9999-12-31T23:59:59-23:59'])
                : rng.pick(['admin', 'a', '%25', '_', '\\']);
        parts.push(`${key}=${encodeQ(value)}`);
        break;
      }
      case 11:
        kind.push('query:random-key');
        parts.push(`${encodeQ(String.fromCharCode(33 + rng.int(90)).repeat(1 + rng.int(5)))}=1`);
        break;
      case 12:
        kind.push('query:type-confusion');
        parts.push(`${key}=${rng.pick(['true', 'false', 'null', 'undefined', '[]', '{}', 'TRUE', 'yes'])}`);
        break;
      default:
        kind.push('query:datetime');
        parts.push(
          `${rng.pick(['from', 'to'])}=${encodeQ(rng.pick(['2020-13-01T00:00:00Z', '2020-02-30T00:00:00Z', 'yesterday', '2020-01-01', '2020-01-01T00:00:00+99:99', '-271821-04-20T00:00:00Z', '2020-01-01T00:00:00.123456789Z']))}`,
        );
    }
  }
  return `?${parts.join('&')}`;
}

/** A JSON body (or not) for a route with these body fields; `limit` is the server's body limit in bytes. */
function fuzzBody(rng: Rng, fields: FieldInfo[], limit: number, kind: string[]): string {
  const valid = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      out[f.name] =
        f.kind === 'enum'
          ? rng.pick(f.options)
          : f.kind === 'boolean'
            ? rng.chance(0.5)
            : f.kind === 'number'
              ? rng.int(100)
              : rng.pick(weirdStrings);
    }
    return out;
  };
  const choice = rng.int(17);
  switch (choice) {
    case 0:
      kind.push('body:invalid-json');
      return rng.pick([
        '{',
        '{"a":}',
        "{'a':1}",
        'undefined',
        'NaN',
        '{"a":1,}',
        '\u00ff\u00fe{',
        '{"a":"\\x00"}',
        '\uFEFF{}',
        '{"a":1}{"b":2}',
        '{"a":"\u0000"}',
      ]);
    case 1: {
      kind.push('body:truncated');
      const text = JSON.stringify(valid());
      return text.slice(0, Math.max(1, rng.int(text.length)));
    }
    case 2:
      kind.push('body:deep');
      return rng.chance(0.5) ? nested(5000, '[', ']') : nested(5000, '{"a":', '}');
    case 3: {
      const name = fields.length ? rng.pick(fields).name : 'x';
      if (rng.chance(0.5)) {
        kind.push('body:deep-field');
        return `{${JSON.stringify(name)}:${nested(5000, '[', ']')}}`;
      }
      // A string PostgreSQL cannot store, deeper than a shallow scan would look.
      kind.push('body:deep-unstorable');
      const depth = 40 + rng.int(40);
      const inner = JSON.stringify(rng.pick(['\u0000', 'x\ud800']));
      return `{${JSON.stringify(name)}:${nested(depth, '{"a":', '}', inner)}}`;
    }
    case 4: {
      // Just under or just over the body limit, as one long string field.
      const over = rng.chance(0.5);
      kind.push(over ? 'body:over-limit' : 'body:under-limit');
      const name = fields.length ? rng.pick(fields).name : 'x';
      const frame = JSON.stringify({ [name]: '' }).length;
      return JSON.stringify({ [name]: 'x'.repeat(limit - frame + (over ? 1 + rng.int(64) : -rng.int(64))) });
    }
    case 5: {
      kind.push('body:wrong-types');
      const out = valid();
      for (const f of fields) if (rng.chance(0.7)) out[f.name] = wrongValues(rng, f.kind);
      if (fields.length === 0) out.x = wrongValues(rng, 'other');
      return JSON.stringify(out);
    }
    case 6:
      kind.push('body:proto');
      return rng.pick([
        '{"__proto__":{"polluted":true,"role":"admin"}}',
        '{"constructor":{"prototype":{"polluted":true}}}',
        `{"__proto__":{"is_active":true},${JSON.stringify(valid()).slice(1)}`,
        '{"__proto__":null}',
        '{"hasOwnProperty":1,"toString":2,"valueOf":3}',
      ]);
    case 7:
      kind.push('body:array');
      return rng.pick(['[]', `[${JSON.stringify(valid())}]`, '[1,2,3]', '[null]']);
    case 8:
      kind.push('body:scalar');
      return rng.pick(['null', '0', '-1', '1e309', 'true', 'false', '"string"', '""']);
    case 9:
      kind.push('body:empty');
      return '';
    case 10:
      kind.push('body:weird-strings');
      return JSON.stringify(valid());
    case 11:
      kind.push('body:extra-key');
      return JSON.stringify({ ...valid(), [rng.pick(['extra', 'id', 'role', '', ' '])]: 1 });
    case 12:
      kind.push('body:duplicate-key');
      return fields.length
        ? `{"${rng.pick(fields).name}":"a","${rng.pick(fields).name}":1}`
        : '{"a":1,"a":2}';
    case 13: {
      kind.push('body:missing-fields');
      const out = valid();
      for (const f of fields) if (rng.chance(0.5)) delete out[f.name];
      return JSON.stringify(out);
    }
    case 14:
      kind.push('body:binary');
      return Array.from({ length: 1 + rng.int(200) }, () => String.fromCharCode(rng.int(256))).join('');
    case 15: {
      kind.push('body:many-keys');
      const out: Record<string, number> = {};
      for (let i = 0; i < 2000; i++) out[`k${i}`] = i;
      return JSON.stringify(out);
    }
    default:
      kind.push('body:valid-shape');
      return JSON.stringify(valid());
  }
}

const contentTypes = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/json; charset=utf-32',
  'application/json; charset=latin1',
  'application/json; charset=utf-99',
  'application/json; charset',
  'APPLICATION/JSON',
  'application/json, text/plain',
  'application/vnd.api+json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'text/plain',
  'text/json',
  '*/*',
  ';;;',
  '',
];

const garbageAuthorization = (rng: Rng) =>
  rng.pick([
    'Bearer',
    'Bearer ',
    'bearer abc.def.ghi',
    'Basic YWRtaW46YWRtaW4=',
    'Bearer a.b.c',
    'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
    'Bearer eyJhbGciOiJIUzI1NiJ9.e30.AAAA',
    `Bearer ${'A'.repeat(6000)}`,
    'Bearer two tokens',
    'Bearer \u00e9\u00e8',
    'Token abc',
    '   ',
    'Bearer =====',
    'Bearer ../../',
  ]);

const requestIds = (rng: Rng) =>
  rng.pick([
    'fuzz-req-id-0001',
    `fuzz.${rng.int(1e9)}`,
    'short',
    'x'.repeat(64),
    'x'.repeat(65),
    'has spaces in it',
    'ünïcødé-\u00e9\u00e8\u00ff',
    '',
    '../../etc/passwd',
    'x'.repeat(5000),
    '<script>',
  ]);

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

interface Target {
  method: string;
  path: string;
  def: RouteDefinition | undefined;
}

function generate(
  rng: Rng,
  n: number,
  targets: Target[],
  ctx: { sacrificialId: string; bodyLimit: number },
): FuzzRequest {
  const kind: string[] = [];
  const target = rng.pick(targets);
  const mode: Mode = rng.pick<Mode>([
    'none',
    'none',
    'none',
    'admin',
    'admin',
    'admin',
    'admin',
    'viewer',
    'viewer',
    'cookie',
  ]);
  const req: FuzzRequest = { n, kind, mode, method: target.method.toUpperCase(), path: '', headers: {} };
  if (mode === 'cookie') {
    req.csrf = rng.pick<CsrfMode>([
      'valid',
      'valid',
      'missing',
      'empty',
      'garbage',
      'other-session',
      'no-csrf-cookie',
      'json-cookie',
    ]);
    kind.push(`csrf:${req.csrf}`);
  }

  if (rng.chance(0.3)) {
    req.method = rng.pick(METHODS);
    if (req.method !== target.method.toUpperCase()) kind.push('method');
  }

  // Path: parameters replaced, sometimes the whole path bent.
  let path = target.path.replace(/:([A-Za-z0-9_]+)/g, () => {
    if (rng.chance(0.15)) return randomUUIDFrom(rng);
    const [label, value] = badSegments(rng, ctx.sacrificialId);
    kind.push(`param:${label}`);
    return value;
  });
  if (rng.chance(0.12)) {
    const [label, value] = rng.pick<[string, string]>([
      ['path:trailing-slash', `${path}/`],
      ['path:double-slash', path.replace(/^\//, '//')],
      ['path:uppercase', path.toUpperCase()],
      ['path:extra-segment', `${path}/extra`],
      ['path:dotdot', `${path}/../${path.split('/').pop() ?? ''}`],
      ['path:pct-error', `${path}%E0%A4%A`],
      ['path:nul', `${path}%00`],
      ['path:encoded', path.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`)],
      ['path:unknown', `/nope/${randomUUIDFrom(rng)}`],
      ['path:docs', rng.pick(['/docs/%E0%A4%A', '/docs/..%2F..%2Fpackage.json', '/docs/nope.js', '/docs/'])],
    ]);
    kind.push(label);
    path = value;
  }
  const queryFields = fieldsOf(target.def?.query);
  if (rng.chance(target.def?.query ? 0.6 : 0.25)) path += fuzzQuery(rng, queryFields, kind);
  req.path = `${PREFIX}${path}`;

  // Body: mostly for routes that take one, sometimes for any.
  const bodyFields = fieldsOf(target.def?.body);
  const withBody = target.def?.body ? rng.chance(0.9) : rng.chance(0.25);
  if (withBody && req.method !== 'HEAD') {
    req.body = fuzzBody(rng, bodyFields, ctx.bodyLimit, kind);
    req.headers['content-type'] = rng.chance(0.7) ? 'application/json' : rng.pick(contentTypes);
    if (req.headers['content-type'] === '') delete req.headers['content-type'];
    if (req.headers['content-type'] !== 'application/json') kind.push('content-type');
    if (rng.chance(0.1)) {
      req.chunked = true;
      kind.push('chunked');
    }
  } else if (rng.chance(0.1)) {
    req.headers['content-type'] = rng.pick(contentTypes) || 'application/json';
    kind.push('content-type-no-body');
  }

  // Headers.
  if (rng.chance(0.15)) {
    req.headers.authorization = garbageAuthorization(rng);
    kind.push('header:authorization');
  }
  if (rng.chance(0.2)) {
    req.headers['x-request-id'] = requestIds(rng);
    kind.push('header:x-request-id');
  }
  if (rng.chance(0.06)) {
    const name = rng.pick(['x-long', 'user-agent', 'accept', 'accept-language', 'referer']);
    req.headers[name] = 'v'.repeat(2000 + rng.int(6000));
    kind.push('header:long');
  }
  if (rng.chance(0.04)) {
    req.headers['content-encoding'] = rng.pick(['gzip', 'br', 'deflate', 'identity', 'zstd', 'gzip, gzip']);
    kind.push('header:content-encoding');
  }
  if (rng.chance(0.05)) {
    req.headers.cookie = rng.pick([
      'wf_session=',
      'wf_session=%E0%A4%A',
      'wf_session=j:{"a":1}',
      'wf_session=j:[1,2]',
      'wf_csrf=j:{"x":1}',
      `wf_session=${'a'.repeat(3000)}`,
      '=;;=;',
    ]);
    kind.push('header:cookie-garbage');
  }
  fitHeaderBudget(req);
  return req;
}

/**
 * Node refuses a request line plus headers over 16 KiB (431, before Express sees it): keep what we
 * generate under 13 KiB, leaving room for the credentials, by dropping long headers, then the query.
 */
function fitHeaderBudget(req: FuzzRequest): void {
  const size = () =>
    req.path.length + Object.entries(req.headers).reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
  const BUDGET = 13_000;
  for (const name of [
    'x-long',
    'user-agent',
    'accept',
    'accept-language',
    'referer',
    'x-request-id',
    'authorization',
    'cookie',
  ]) {
    if (size() <= BUDGET) return;
    if (req.headers[name] !== undefined && req.headers[name].length > 1000) {
      delete req.headers[name];
      req.kind.push(`budget:dropped-${name}`);
    }
  }
  if (size() > BUDGET && req.path.includes('?')) {
    req.path = req.path.slice(0, req.path.indexOf('?'));
    req.kind.push('budget:dropped-query');
  }
  if (size() > BUDGET) throw new Error(`request ${req.n} is still too large: ${req.path.slice(0, 100)}`);
}

/** Fixed cases, in every run: each known bug's repro and a few edges the PRNG may not draw. */
function fixedCases(start: number, bodyLimit: number): FuzzRequest[] {
  const json = { 'content-type': 'application/json' };
  const cases: Omit<FuzzRequest, 'n'>[] = [
    ...REGRESSIONS.map((r) => ({
      kind: ['fixed:regression'],
      mode: r.auth,
      method: r.method,
      path: `${PREFIX}${r.path}`,
      headers: r.body === undefined ? {} : json,
      ...(r.body === undefined ? {} : { body: JSON.stringify(r.body) }),
    })),
    {
      kind: ['fixed:deep'],
      mode: 'admin',
      method: 'POST',
      path: `${PREFIX}/users`,
      headers: json,
      body: nested(5000, '[', ']'),
    },
    {
      kind: ['fixed:under-limit'],
      mode: 'none',
      method: 'POST',
      path: `${PREFIX}/auth/login`,
      headers: json,
      body: JSON.stringify({ username: 'x'.repeat(bodyLimit - 20) }),
    },
    {
      kind: ['fixed:over-limit'],
      mode: 'admin',
      method: 'POST',
      path: `${PREFIX}/users`,
      headers: json,
      body: JSON.stringify({ username: 'x'.repeat(bodyLimit) }),
    },
    {
      kind: ['fixed:utf16'],
      mode: 'admin',
      method: 'POST',
      path: `${PREFIX}/users`,
      headers: { 'content-type': 'application/json; charset=utf-16' },
      body: '{}',
    },
    {
      kind: ['fixed:text-plain'],
      mode: 'admin',
      method: 'POST',
      path: `${PREFIX}/users`,
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    },
    {
      kind: ['fixed:no-content-type'],
      mode: 'admin',
      method: 'POST',
      path: `${PREFIX}/users`,
      headers: {},
      body: '{}',
    },
    {
      kind: ['fixed:pct-error'],
      mode: 'admin',
      method: 'GET',
      path: `${PREFIX}/users/%E0%A4%A`,
      headers: {},
    },
    {
      kind: ['fixed:proto-query'],
      mode: 'admin',
      method: 'GET',
      path: `${PREFIX}/users?__proto__[x]=1&constructor=1`,
      headers: {},
    },
    { kind: ['fixed:patch'], mode: 'admin', method: 'PATCH', path: `${PREFIX}/users`, headers: {} },
  ];
  return cases.map((c, i) => ({ ...c, n: start + i }));
}

// ---------------------------------------------------------------------------------------------------
// Sending and checking
// ---------------------------------------------------------------------------------------------------

function send(base: URL, agent: http.Agent, req: Sent, allowRetry = true): Promise<Outcome> {
  const started = Date.now();
  return new Promise<Outcome>((resolve) => {
    let done = false;
    const finish = (o: Omit<Outcome, 'req' | 'ms'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ req, ms: Date.now() - started, ...o });
    };
    let r: http.ClientRequest;
    try {
      r = http.request({
        host: base.hostname,
        port: base.port,
        method: req.method,
        path: req.path,
        headers: req.sentHeaders,
        agent,
      });
    } catch (err) {
      resolve({ req, ms: 0, error: `client refused to send: ${(err as Error).message}` });
      return;
    }
    const timer = setTimeout(() => {
      r.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`));
    }, REQUEST_TIMEOUT_MS);
    r.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        finish({
          status: res.statusCode,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', (err) => finish({ status: res.statusCode, headers: res.headers, error: err.message }));
    });
    r.on('error', (err: NodeJS.ErrnoException) => {
      if (done) return;
      // A keep-alive socket the server had just closed: retry once on a fresh connection.
      if (allowRetry && r.reusedSocket && ['ECONNRESET', 'EPIPE'].includes(err.code ?? '')) {
        done = true;
        clearTimeout(timer);
        void send(base, new http.Agent({ keepAlive: false }), req, false).then(resolve);
        return;
      }
      finish({ error: `${err.code ?? ''} ${err.message}` });
    });
    if (req.payload !== undefined) {
      const buf = req.payload;
      if (req.chunked) {
        const cut = Math.floor(buf.length / 2);
        r.write(buf.subarray(0, cut));
        r.end(buf.subarray(cut));
      } else {
        r.end(buf);
      }
    } else {
      r.end();
    }
  });
}

type ErrorEnvelope = {
  success: unknown;
  message_code: unknown;
  message: unknown;
  timestamp: unknown;
  error_id: unknown;
  recoverable: unknown;
  context?: { fields?: unknown };
};

/** Why this outcome is wrong, or undefined. */
function problemOf(o: Outcome): string | undefined {
  if (o.error !== undefined || o.status === undefined) return `no response: ${o.error ?? 'unknown'}`;
  if (o.status >= 500) return `status ${o.status}`;
  if (o.status < 400 || o.req.method === 'HEAD' || !o.req.path.startsWith(`${PREFIX}/`)) return undefined;
  if (!String(o.headers?.['content-type']).startsWith('application/json'))
    return `error answer is ${String(o.headers?.['content-type'])}, not JSON`;
  let body: ErrorEnvelope;
  try {
    body = JSON.parse(o.body ?? '') as ErrorEnvelope;
  } catch {
    return 'error answer is not JSON';
  }
  if (body.success !== false) return 'success is not false';
  if (!isMessageCode(body.message_code)) return `unknown message_code ${String(body.message_code)}`;
  const entry = messageCodes[body.message_code];
  if (entry.status !== o.status)
    return `${body.message_code} answered with ${o.status}, catalog says ${entry.status}`;
  if (entry.recoverable !== body.recoverable) return 'recoverable differs from the catalog';
  if (typeof body.message !== 'string' || body.message === '') return 'no message';
  if (typeof body.timestamp !== 'string' || Number.isNaN(Date.parse(body.timestamp))) return 'bad timestamp';
  if (typeof body.error_id !== 'string' || body.error_id === '') return 'no error_id';
  if (body.error_id !== o.headers?.['x-request-id']) return 'error_id differs from X-Request-Id';
  const given = o.req.sentHeaders['x-request-id'];
  if (given !== undefined && /^[A-Za-z0-9._-]{8,64}$/.test(given) && body.error_id !== given)
    return 'a well-formed X-Request-Id was not used as error_id';
  if (body.message_code === 'VALIDATION_ERROR') {
    const fields = body.context?.fields;
    if (
      !Array.isArray(fields) ||
      fields.length === 0 ||
      !fields.every(
        (f: { field?: unknown; message?: unknown; unknown?: unknown }) =>
          typeof f.field === 'string' &&
          typeof f.message === 'string' &&
          (f.unknown === undefined || Array.isArray(f.unknown)),
      )
    )
      return 'VALIDATION_ERROR without context.fields';
  }
  return undefined;
}

const knownBugOf = (o: Outcome) =>
  o.status !== undefined && o.status >= 500 ? KNOWN_BUGS.find((b) => b.matches(o.req)) : undefined;

const short = (v: string) => (v.length > 60 ? `${v.slice(0, 40)}…(${v.length} chars)` : v);

/** A replayable description of the request and what came back. */
const describeOutcome = (o: Outcome, serverOutput: string) => {
  const headers = Object.fromEntries(Object.entries(o.req.sentHeaders).map(([k, v]) => [k, short(v)]));
  const errorId = o.headers?.['x-request-id'];
  // The error lines of this request (ids from X-Request-Id can repeat across requests: errors only).
  const log =
    typeof errorId === 'string'
      ? serverOutput
          .split('\n')
          .filter((l) => l.includes(errorId) && /"level":(50|60)/.test(l))
          .slice(0, 4)
      : [];
  return JSON.stringify(
    {
      n: o.req.n,
      kind: o.req.kind,
      mode: o.req.mode,
      method: o.req.method,
      path: o.req.path.length > 300 ? `${o.req.path.slice(0, 300)}…(${o.req.path.length} chars)` : o.req.path,
      headers,
      chunked: o.req.chunked,
      body: o.req.body === undefined ? undefined : o.req.body.slice(0, 200),
      bodyLength: o.req.body?.length,
      status: o.status,
      error: o.error,
      response: o.body?.slice(0, 300),
      serverLog: log.map((l) => l.slice(0, 600)),
    },
    null,
    2,
  );
};

// ---------------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------------

let api: ApiServer;
let targets: Target[];
let outcomes: Outcome[] = [];
const pings: { after: number; status?: number; error?: string }[] = [];
let elapsedMs = 0;

const creds = {
  admin: '',
  viewer: '',
  cookie: '',
  csrfToken: '',
  csrfCookie: '',
  otherCsrfToken: '',
  otherCsrfCookie: '',
};

const setCookieValue = (headers: Headers, name: string) =>
  headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .find((c) => c.startsWith(`${name}=`))
    ?.slice(name.length + 1) ?? '';

async function refreshCookieSession() {
  creds.cookie = await api.login('admin', ADMIN_PASSWORD);
  const res = await api.call<{ data: { csrf_token: string } }>('GET', '/auth/csrf-token', {
    headers: { cookie: `wf_session=${creds.cookie}` },
  });
  creds.csrfToken = res.body.data.csrf_token;
  creds.csrfCookie = setCookieValue(res.headers, 'wf_csrf');
}

let refreshing: Promise<void> | undefined;
/** A successful logout revoked that mode's token: log in again (other requests in flight see 401s). */
function refreshAfterLogout(o: Outcome): Promise<void> | undefined {
  if (o.status !== 200 || routeOf(o.req.path) !== '/auth/logout' || o.req.mode === 'none') return undefined;
  const mode = o.req.mode;
  refreshing = (refreshing ?? Promise.resolve()).then(async () => {
    if (mode === 'admin') creds.admin = await api.login('admin', ADMIN_PASSWORD);
    else if (mode === 'viewer') creds.viewer = await api.login(VIEWER.username, VIEWER.password);
    else await refreshCookieSession();
  });
  return refreshing;
}

function withCredentials(req: FuzzRequest): Sent {
  const h: Record<string, string> = { ...req.headers };
  if ((req.mode === 'admin' || req.mode === 'viewer') && h.authorization === undefined)
    h.authorization = `Bearer ${creds[req.mode]}`;
  if (req.mode === 'cookie') {
    const jar = [`wf_session=${creds.cookie}`];
    if (req.csrf === 'valid' || req.csrf === 'missing' || req.csrf === 'empty' || req.csrf === 'garbage')
      jar.push(`wf_csrf=${creds.csrfCookie}`);
    if (req.csrf === 'other-session') jar.push(`wf_csrf=${creds.otherCsrfCookie}`);
    if (req.csrf === 'json-cookie') jar.push('wf_csrf=j:{"a":1}');
    if (h.cookie !== undefined) jar.push(h.cookie);
    h.cookie = jar.join('; ');
    const header: Partial<Record<CsrfMode, string>> = {
      valid: creds.csrfToken,
      empty: '',
      garbage: 'garbage.csrf-token',
      'other-session': creds.otherCsrfToken,
      'no-csrf-cookie': creds.csrfToken,
      'json-cookie': creds.csrfToken,
    };
    const value = req.csrf ? header[req.csrf] : undefined;
    if (value !== undefined) h['x-csrf-token'] = value;
  }
  // Framing set explicitly: Node's client sends a GET/DELETE/OPTIONS body with neither Content-Length
  // nor chunked encoding, which the server would then read as the start of the next request.
  if (req.body === undefined) return { ...req, sentHeaders: h };
  const payload = Buffer.from(req.body, req.kind.includes('body:binary') ? 'latin1' : 'utf8');
  if (req.chunked) h['transfer-encoding'] = 'chunked';
  else h['content-length'] = String(payload.length);
  return { ...req, sentHeaders: h, payload };
}

async function runPool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const bodyLimitBytes = (limit: string) => {
  const m = /^(\d+)(b|kb|mb)$/i.exec(limit);
  if (!m) throw new Error(`unexpected HTTP_BODY_LIMIT ${limit}`);
  return Number(m[1]) * { b: 1, kb: 1024, mb: 1024 * 1024 }[m[2]!.toLowerCase() as 'b' | 'kb' | 'mb'];
};

describe(`fuzz (seed ${SEED}: replay with FUZZ_SEED=${SEED})`, () => {
  let sacrificialId = '';

  beforeAll(async () => {
    console.log(`fuzz seed: ${SEED} (replay with FUZZ_SEED=${SEED})`);
    api = await startApiServer(SERVER_ENV);
    const app = await inspectApp(api.db);
    try {
      // A stream route (GET /events/stream) that accepts a request holds it open: no answer to fuzz.
      targets = mountedRoutes(app.router)
        .map((r) => ({ ...r, def: app.routes.find((d) => d.method === r.method && d.path === r.path) }))
        .filter((t) => !t.def?.stream);
    } finally {
      await app.close();
    }
    creds.admin = await api.adminToken();
    const viewer = await api.call('POST', '/users', {
      token: creds.admin,
      body: { ...VIEWER, role: 'viewer' },
    });
    expect(viewer.status).toBe(201);
    creds.viewer = await api.login(VIEWER.username, VIEWER.password);
    const victim = await api.call<{ data: { id: string } }>('POST', '/users', {
      token: creds.admin,
      body: { username: 'fuzz-target', password: 'fuzz-target-password-1', role: 'user' },
    });
    expect(victim.status).toBe(201);
    sacrificialId = victim.body.data.id;
    await refreshCookieSession();
    const other = await api.call<{ data: { csrf_token: string } }>('GET', '/auth/csrf-token');
    creds.otherCsrfToken = other.body.data.csrf_token;
    creds.otherCsrfCookie = setCookieValue(other.headers, 'wf_csrf');
  });
  afterAll(async () => api?.stop());

  it('enumerates the routes from the router', () => {
    expect(targets.length).toBeGreaterThan(10);
    expect(targets.every((t) => t.def)).toBe(true);
  });

  it(`${COUNT}+ malformed requests: no 5xx (except the known bugs), every /api/v1 error is the envelope, the server stays up`, async () => {
    const rng = prng(SEED);
    const base = new URL(api.server.baseUrl);
    const config = loadConfig({ DATABASE_URL: api.db.url, ...SERVER_ENV });
    const ctx = { sacrificialId, bodyLimit: bodyLimitBytes(config.httpBodyLimit) };
    const corpus = Array.from({ length: COUNT }, (_, n) => generate(rng, n, targets, ctx));

    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const ping = async (after: number) => {
      const o = await send(base, agent, {
        n: -1,
        kind: ['ping'],
        mode: 'none',
        method: 'GET',
        path: `${PREFIX}/health/ping`,
        headers: {},
        sentHeaders: {},
      });
      pings.push({ after, status: o.status, error: o.error });
    };

    const started = Date.now();
    outcomes = [];
    for (let i = 0; i < corpus.length; i += PING_EVERY) {
      const batch = corpus.slice(i, i + PING_EVERY);
      outcomes.push(
        ...(await runPool(batch, CONCURRENCY, async (req) => {
          await refreshing;
          const o = await send(base, agent, withCredentials(req));
          await refreshAfterLogout(o);
          return o;
        })),
      );
      await ping(outcomes.length);
      if (api.server.child.exitCode !== null || api.server.child.signalCode !== null) break;
    }
    // The fixed cases last, one at a time, with a fresh admin token (a fuzzed logout may have just
    // revoked the current one): each regression's repro must reach the code it is about.
    await refreshing;
    creds.admin = await api.login('admin', ADMIN_PASSWORD);
    for (const req of fixedCases(COUNT, ctx.bodyLimit))
      outcomes.push(await send(base, agent, withCredentials(req)));
    await ping(outcomes.length);
    elapsedMs = Date.now() - started;
    agent.destroy();

    // Report.
    const histogram: Record<string, number> = {};
    for (const o of outcomes) histogram[o.status ?? 'none'] = (histogram[o.status ?? 'none'] ?? 0) + 1;
    const known = new Map<string, number>();
    const problems: string[] = [];
    for (const o of outcomes) {
      const problem = problemOf(o);
      if (!problem) continue;
      const bug = knownBugOf(o);
      if (bug) {
        known.set(bug.id, (known.get(bug.id) ?? 0) + 1);
        continue;
      }
      problems.push(`${problem}\n${describeOutcome(o, api.server.output())}`);
    }
    console.log(
      [
        `fuzz seed ${SEED}: ${outcomes.length} requests in ${(elapsedMs / 1000).toFixed(1)} s (concurrency ${CONCURRENCY})`,
        `status histogram: ${JSON.stringify(histogram)}`,
        `known bugs hit: ${JSON.stringify(Object.fromEntries(known))}`,
        `pings: ${pings.length}, all 200: ${pings.every((p) => p.status === 200)}`,
      ].join('\n'),
    );
    if (problems.length) {
      console.error(
        `${problems.length} offending requests (seed ${SEED}; replay with FUZZ_SEED=${SEED}):\n${problems.slice(0, 25).join('\n\n')}`,
      );
    }

    expect(outcomes.length).toBeGreaterThanOrEqual(2000);
    expect(problems, problems.slice(0, 5).join('\n\n')).toEqual([]);
    expect(pings.filter((p) => p.status !== 200)).toEqual([]);
    expect(pings.length).toBeGreaterThanOrEqual(Math.ceil(corpus.length / PING_EVERY) + 1);
    expect(api.server.child.exitCode).toBeNull();
    expect(api.server.child.signalCode).toBeNull();
  }, 150_000);

  // While KNOWN_BUGS is not empty this fails (their 500s are in the run): `it.fails`, per the note there.
  (KNOWN_BUGS.length ? it.fails : it)('no response of the fuzz run is a 5xx', () => {
    expect(outcomes.length).toBeGreaterThanOrEqual(2000);
    const fivexx = outcomes.filter((o) => (o.status ?? 0) >= 500);
    expect(fivexx.map((o) => describeOutcome(o, api.server.output()))).toEqual([]);
  });

  for (const repro of REGRESSIONS) {
    it(`regression: ${repro.method} ${repro.path} ${JSON.stringify(repro.body) ?? ''} is a 4xx, not a 500`, async () => {
      // A fresh login: the fuzz run may have logged out the token api.adminToken() caches.
      const token = repro.auth === 'admin' ? await api.login('admin', ADMIN_PASSWORD) : undefined;
      const res = await api.call<{ message_code?: unknown }>(repro.method, repro.path, {
        ...(token ? { token } : {}),
        ...(repro.body === undefined ? {} : { body: repro.body }),
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(isMessageCode(res.body.message_code)).toBe(true);
    });
  }

  it('after the fuzz run the admin can still log in and list users', async () => {
    const token = await api.login('admin', ADMIN_PASSWORD);
    const me = await api.call<{ data: { username: string; role: string; is_active: boolean } }>(
      'GET',
      '/auth/me',
      { token },
    );
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({ username: 'admin', role: 'admin', is_active: true });
    const users = await api.call<{ success: boolean; data: { username: string }[]; meta: { total: number } }>(
      'GET',
      '/users?limit=100',
      { token },
    );
    expect(users.status).toBe(200);
    expect(users.body.success).toBe(true);
    expect(users.body.data.map((u) => u.username)).toEqual(
      expect.arrayContaining(['admin', VIEWER.username]),
    );
    expect(users.body.meta.total).toBeGreaterThanOrEqual(2);
    const viewer = await api.login(VIEWER.username, VIEWER.password);
    expect((await api.call('GET', '/auth/me', { token: viewer })).status).toBe(200);
  });
});
