// The load side of the api benchmark (api.ts): the SQL a request runs, captured from knex's query events;
// the baseline, a bare node:http server that runs exactly that SQL on the app's own knex pool and answers
// the rows as JSON; and autocannon, run as a child process (its own event loop and core, so the client's
// work is not charged to the server's event loop).
import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import type pg from 'pg';

/** One statement as the driver received it (native $n placeholders), its bindings, and its pool. */
export interface Statement {
  sql: string;
  bindings: readonly unknown[];
  /** knex's pool (the read tables) or the event store's own pg pool (the log). */
  on: 'knex' | 'store';
}

/** Statements that ran at the same time (Promise.all in the route) form one wave; waves run in order. */
export type Waves = Statement[][];

interface QueryEvent {
  __knexQueryUid: string;
  sql: string;
  bindings?: readonly unknown[];
}

/** Marks the work of the requests `server` receives while capturing (the projections share the pool). */
const inRequest = new AsyncLocalStorage<true>();

/**
 * Every statement knex runs for the requests `server` receives while `request` is in flight (told from
 * the projection runners' statements by the request's async context), grouped in waves: a statement
 * that started before an earlier one of the request had answered joins its wave.
 */
export async function captureSql(
  { knex, pool }: Pools,
  server: http.Server,
  request: () => Promise<void>,
): Promise<Waves> {
  const seen: { statement: Statement; start: number; end: number }[] = [];
  const byUid = new Map<string, (typeof seen)[number]>();
  const onQuery = (q: QueryEvent) => {
    if (!inRequest.getStore()) return;
    const entry = {
      statement: { sql: q.sql, bindings: q.bindings ?? [], on: 'knex' as const },
      start: performance.now(),
      end: Infinity,
    };
    seen.push(entry);
    byUid.set(q.__knexQueryUid, entry);
  };
  const onDone = (_r: unknown, q: QueryEvent) => {
    const entry = byUid.get(q.__knexQueryUid);
    if (entry) entry.end = performance.now();
  };
  // Runs before Express's listener, in the same emit: the request's whole handling inherits the mark.
  const mark = () => inRequest.enterWith(true);
  server.prependListener('request', mark);
  // The store calls pool.query(sql, params) (postgresEventStore.ts): wrapped while capturing.
  const query = pool.query.bind(pool) as (sql: string, params?: unknown[]) => Promise<unknown>;
  const storeQuery = async (sql: string, params?: unknown[]) => {
    if (!inRequest.getStore()) return query(sql, params);
    const entry = {
      statement: { sql, bindings: params ?? [], on: 'store' as const },
      start: performance.now(),
      end: Infinity,
    };
    seen.push(entry);
    try {
      return await query(sql, params);
    } finally {
      entry.end = performance.now();
    }
  };
  (pool as { query: unknown }).query = storeQuery;
  knex.on('query', onQuery).on('query-response', onDone).on('query-error', onDone);
  try {
    await request();
  } finally {
    server.removeListener('request', mark);
    (pool as { query: unknown }).query = query;
    knex
      .removeListener('query', onQuery)
      .removeListener('query-response', onDone)
      .removeListener('query-error', onDone);
  }
  const waves: Waves = [];
  let waveEnd = -Infinity;
  for (const e of seen) {
    if (e.start >= waveEnd || waves.length === 0) waves.push([]);
    waves.at(-1)!.push(e.statement);
    waveEnd = Math.max(waveEnd, e.end);
  }
  return waves;
}

interface PgConnection {
  query(sql: string, bindings: readonly unknown[]): Promise<{ rows: unknown[] }>;
}

/** The app's two pools: knex's (read tables) and the event store's pg pool. */
export interface Pools {
  knex: Knex;
  pool: pg.Pool;
}

/** Runs one statement on the pool it ran on in the app (no query builder, no knex.raw parsing). */
async function runOnPool({ knex, pool }: Pools, s: Statement): Promise<unknown[]> {
  if (s.on === 'store') return (await pool.query(s.sql, [...s.bindings])).rows;
  const client = knex.client as {
    acquireConnection(): Promise<PgConnection>;
    releaseConnection(c: PgConnection): Promise<void>;
  };
  const connection = await client.acquireConnection();
  try {
    return (await connection.query(s.sql, s.bindings)).rows;
  } finally {
    await client.releaseConnection(connection);
  }
}

export interface Baseline {
  url: string;
  close(): Promise<void>;
}

/** The bare server: GET <path> runs the waves captured for that path (query string included) as they ran. */
export async function startBaseline(pools: Pools, routes: ReadonlyMap<string, Waves>): Promise<Baseline> {
  const server = http.createServer((req, res) => {
    const waves = routes.get(req.url ?? '');
    if (!waves) {
      res.writeHead(404).end();
      return;
    }
    void (async () => {
      const results: unknown[][] = [];
      for (const wave of waves) results.push(...(await Promise.all(wave.map((s) => runOnPool(pools, s)))));
      const body = JSON.stringify(results);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    })().catch((err: unknown) => {
      res.writeHead(500).end(String(err));
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface LoadResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers other than 2xx, plus socket errors and timeouts. */
  errors: number;
  requests: number;
  /** Mean response size. */
  bytes: number;
  /**
   * This process's CPU (user + system) per request during the run: the server's cost, steadier than
   * req/s on a busy machine (the load generator is a child; the database its own processes).
   */
  cpuUsPerRequest: number;
}

interface CannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  throughput: { average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

/** autocannon in a child process: `connections` at once for `seconds`, with the given headers. */
export function cannon(
  url: string,
  opts: { connections: number; seconds: number; headers: Record<string, string> },
): Promise<LoadResult> {
  const args = [
    autocannonBin,
    '-j',
    '-n',
    '-c',
    String(opts.connections),
    '-d',
    String(opts.seconds),
    '-t',
    '10',
  ];
  for (const [k, v] of Object.entries(opts.headers)) args.push('-H', `${k}=${v}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const cpu = process.cpuUsage();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err}`));
      const r = JSON.parse(out) as CannonJson;
      const used = process.cpuUsage(cpu);
      resolve({
        requestsPerSec: r.requests.average,
        p50Ms: r.latency.p50,
        p99Ms: r.latency.p99,
        errors: r.non2xx + r.errors + r.timeouts,
        requests: r.requests.total,
        bytes: r.requests.total > 0 ? (r.throughput.average * opts.seconds) / r.requests.total : 0,
        cpuUsPerRequest: r.requests.total > 0 ? (used.user + used.system) / r.requests.total : 0,
      });
    });
  });
}
