// api: the HTTP API under load. A server holding 10,000 instances, 500,000 accounts and a year of daily
// stats for 1,000 instances (apiData.ts: written through the event store, folded by the projections'
// catch-up), built IN-PROCESS by the composition root as `serve` builds it (openRuntime, composeApi,
// createApp; pino at info as by default, into /dev/null; the scheduler off: it would start syncs), and
// called as a real client calls it: POST /api/v1/auth/login, then GETs with the bearer token.
// Load: autocannon in a child process (its own event loop and core), 100 connections, 20 s per endpoint.
// Baseline, same run, same process: a bare node:http server that runs the SQL the route ran (captured
// from knex's query events and the store's pool during the second request of each route: authentication
// included, in the same waves) on the app's own knex pool, and answers the rows as JSON (apiLoad.ts).
// A route that keeps its answer (the dashboard overview) runs its statements only when it computes: its
// baseline replays a cold request (one computation) on every request, and the table says so.
// Targets per endpoint: >= 50 % of the baseline's requests/s, p99 <= 3x the baseline's, zero errors.
// Knobs: BENCH_SCALE (instances), BENCH_DAYS (days of stats), BENCH_DURATION_S, BENCH_CONNECTIONS,
// BENCH_ENDPOINTS=name,name (a subset), BENCH_CPU_PROFILE=dir (profiles of the app's and the baseline's runs),
// BENCH_SHOW_SQL=1 (print the captured statements), BENCH_API_DATABASE=name (keep the generated database under this name and reuse it on the next run).
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import pg from 'pg';
import { ensurePartitions } from '../src/adapters/db/partitions.js';
import { PostgresEventStore } from '../src/adapters/eventStore/postgresEventStore.js';
import { decodeKnown } from '../src/adapters/eventStore/validatingEventStore.js';
import { createApp } from '../src/api/app.js';
import { composeApi } from '../src/compose.js';
import { partitionedTables } from '../src/commands/partitions.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { rebuildProjections } from '../src/projections/rebuild.js';
import { readCheckpoint } from '../src/projections/checkpoints.js';
import { comparePositions, START } from '../src/domain/events/envelope.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import { withDatabase } from '../test/support/net.js';
import { generate, sizes } from './apiData.js';
import { cannon, captureSql, startBaseline, type Waves } from './apiLoad.js';
import { startProfile } from './cpuProfile.js';
import { print, type Row } from './apiReport.js';
import { openBenchDatabase } from './support.js';

export const about =
  'GET /instances, /accounts/ledgers, ... of a 10,000-instance server under 100 connections vs. a bare node:http running the same SQL';

const SECONDS = Number(process.env.BENCH_DURATION_S ?? '20');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? '100');
const ADMIN_PASSWORD = 'bench-Admin-password-1';

const say = (line: string) => process.stderr.write(`${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** The endpoints measured; the second instance's id and a username part are filled in once known. */
const endpoints = (instanceId: string) => [
  { name: 'instances', path: '/instances' },
  { name: 'instances?search', path: '/instances?search=pg-0042' },
  { name: 'ledgers', path: '/accounts/ledgers' },
  { name: 'ledgers?instance', path: `/accounts/ledgers?instance_id=${instanceId}` },
  { name: 'ledgers?search', path: '/accounts/ledgers?search=role_4' },
  { name: 'ledgers?instance+search', path: `/accounts/ledgers?instance_id=${instanceId}&search=role_4` },
  { name: 'sync-sessions', path: '/sync-sessions' },
  { name: 'capacity/instances', path: '/capacity/instances' },
  // Kept: computed once per state of the read tables, at most every 2 s, served while recomputed.
  { name: 'dashboard/overview', path: '/dashboard/overview', kept: true },
];

/** The bench database: a fresh one (dropped at the end), or BENCH_API_DATABASE kept for the next run. */
async function database(): Promise<{ url: string; server: string; close(): Promise<void> }> {
  const keep = process.env.BENCH_API_DATABASE;
  if (!keep) {
    const db = await openBenchDatabase();
    return { url: db.url, server: db.server, close: () => db.close() };
  }
  const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [keep]);
  if (!rowCount) await admin.query(`CREATE DATABASE "${keep}"`);
  const { rows } = await admin.query<{ server_version: string }>('SHOW server_version');
  await admin.end();
  return {
    url: withDatabase(serverUrl, keep),
    server: `PostgreSQL ${rows[0]!.server_version} (database ${keep}, kept)`,
    close: () => Promise.resolve(),
  };
}

/** Writes the data through the store (unless a kept database has it) and waits for every projection. */
async function fill(runtime: Runtime): Promise<{ instanceId: string; note: string }> {
  const { knex, store, projections } = runtime;
  const present = await knex<{ stream_id: string; type: string }>('events')
    .where({ type: 'InstanceRegistered' })
    .first('stream_id');
  let note = 'data: reused from the kept database';
  if (!present) {
    const first = new Date(Date.now() - (sizes.days + 31) * 86_400_000).toISOString().slice(0, 8) + '01';
    for (const table of partitionedTables) await ensurePartitions(knex, table, first, 16);
    say('writing the events (not measured)...');
    const data = await generate(store, new Date());
    note =
      `data: ${fmt(data.events)} events appended through the store in ${data.seconds.toFixed(0)} s; ` +
      `${fmt(sizes.instances)} instances, ${fmt(sizes.instances * sizes.accountsPerInstance)} accounts, ` +
      `${sizes.days} days of stats for ${fmt(sizes.statsInstances)} instances`;
  }
  const t0 = performance.now();
  let shown = 0;
  // A kept database whose projections were folded by an earlier run already holds the read tables: no
  // rebuild (a quarter of an hour on a loaded machine); the runners below fold what came since (the
  // admin's bootstrap). A run stopped mid-rebuild swapped nothing in: its checkpoints are at the start.
  const behind =
    !present ||
    (await Promise.all(projections.runners.map((r) => readCheckpoint(knex, r.projection.name)))).some(
      (c) => comparePositions(c, START) === 0,
    );
  if (behind) say('projections catching up (whalefall rebuild: the log read once for all of them)...');
  else note += '; read tables reused (folded by an earlier run)';
  if (behind)
    await rebuildProjections({
      knex,
      store: new PostgresEventStore(runtime.pool),
      logger: runtime.logger,
      projections: projections.runners.map((r) => r.projection),
      decode: decodeKnown(runtime.registry),
      onProgress: ({ events }) => {
        if (events - shown < 100_000) return;
        shown = events;
        say(`  ${fmt(events)} events folded (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      },
    });
  // As under serve: the runners follow the log from here (their checkpoints are at its head).
  projections.start();
  const head = await store.headPosition();
  await Promise.all(projections.runners.map((r) => r.waitForPosition(head, 600_000)));
  const caughtUp = (performance.now() - t0) / 1000;
  await knex.raw('VACUUM ANALYZE');
  say(`  projections caught up in ${caughtUp.toFixed(0)} s`);
  const second = await knex<{ id: string }>('instances').orderBy('name').offset(1).first('id');
  return { instanceId: second!.id, note: `${note}; projections caught up in ${caughtUp.toFixed(0)} s` };
}

/**
 * For the routes that keep their answer: what their baseline replays (one cold computation, on every
 * request), and the time of that cold request in the app next to one baseline request.
 */
async function keptRoutes(
  chosen: readonly { name: string; path: string; kept?: boolean }[],
  captured: ReadonlyMap<string, Waves>,
  coldMs: ReadonlyMap<string, number>,
  baselineUrl: string,
): Promise<string[]> {
  const notes: string[] = [];
  for (const e of chosen.filter((c) => c.kept)) {
    const waves = captured.get(e.path)!;
    await (await fetch(`${baselineUrl}${e.path}`)).arrayBuffer();
    const t0 = performance.now();
    await (await fetch(`${baselineUrl}${e.path}`)).arrayBuffer();
    const baseMs = performance.now() - t0;
    notes.push(
      `${e.name}: the app keeps its answer (src/api/pageTotals.ts: computed again after 2 s or a new checkpoint, ` +
        `the last one served meanwhile, at most 10 s old); the baseline computes on every request: it replays ` +
        `the ${waves.flat().length} statements (${waves.length} waves, authentication included) of one cold request; ` +
        `one cold request of the app (a computation) ${coldMs.get(e.path)!.toFixed(0)} ms, one baseline request ${baseMs.toFixed(0)} ms`,
    );
  }
  return notes;
}

export async function run(): Promise<void> {
  const db = await database();
  const config = loadConfig({
    DATABASE_URL: db.url,
    WHALEFALL_SECRET_KEY: Buffer.alloc(32, 9).toString('base64'),
    WHALEFALL_ADMIN_PASSWORD: ADMIN_PASSWORD,
    WHALEFALL_SCHEDULER: 'off',
    LOG_LEVEL: 'info',
  });
  // Every request logs one line at info, as under `serve`; the lines go nowhere (their cost stays).
  const logger = createLogger({
    level: 'info',
    destination: pino.destination({ dest: '/dev/null', sync: true }),
  });
  const runtime = await openRuntime(config, logger);
  const closers: (() => Promise<void>)[] = [() => runtime.close(), () => db.close()];
  try {
    await runtime.keyring.reload();
    const api = await composeApi(runtime);
    await api.commands.bootstrapAdmin(ADMIN_PASSWORD, new Date());
    const { instanceId, note } = await fill(runtime);
    runtime.database.start();

    const { app } = createApp(api);
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    closers.unshift(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
    const login = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
    const token = ((await login.json()) as { data: { access_token: string } }).data.access_token;
    const headers = { authorization: `Bearer ${token}` };
    // The login's events move the projections' checkpoints, which resets the kept page totals: the
    // captured request (the second) must not race their catch-up and count again (the baseline would
    // then replay a count the route's steady state does not run).
    const loggedIn = await runtime.store.headPosition();
    await Promise.all(runtime.projections.runners.map((r) => r.waitForPosition(loggedIn, 60_000)));

    const only = process.env.BENCH_ENDPOINTS?.split(',');
    const chosen = endpoints(instanceId).filter((e) => !only || only.includes(e.name));
    const captured = new Map<string, Waves>();
    const get = async (path: string) => {
      const res = await fetch(`${base}${path}`, { headers });
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    };
    const coldMs = new Map<string, number>();
    for (const e of chosen) {
      // The route's steady state: a first request may do work later ones skip (a page total counted
      // once per state of the tables, src/api/pageTotals.ts); the baseline runs what the second one ran.
      // A route that keeps its whole answer runs no statement of its own on a second request: its
      // baseline runs what a cold request (one computation) ran.
      if (!('kept' in e)) await get(e.path);
      const t0 = performance.now();
      const waves = await captureSql(runtime, server, () => get(e.path));
      if ('kept' in e) coldMs.set(e.path, performance.now() - t0);
      captured.set(e.path, waves);
      say(`  ${e.path}: ${waves.flat().length} statements in ${waves.length} waves`);
      if (process.env.BENCH_SHOW_SQL)
        for (const [i, wave] of waves.entries())
          for (const st of wave) say(`    [${i}] ${st.sql} -- ${JSON.stringify(st.bindings)}`);
    }
    const baseline = await startBaseline(runtime, captured);
    closers.unshift(() => baseline.close());
    const keptNotes = await keptRoutes(chosen, captured, coldMs, baseline.url);

    // Requests still queued for the pool when autocannon stops (the server does not cancel them) would
    // be charged to the next run: each run starts once the pool is idle.
    const pool = runtime.knex.client.pool as { numUsed(): number; numPendingAcquires(): number };
    const settle = async () => {
      for (let waited = 0; waited < 120_000 && pool.numUsed() + pool.numPendingAcquires() > 0; waited += 200)
        await new Promise((r) => setTimeout(r, 200));
    };
    const rows: Row[] = [];
    for (const e of chosen) {
      const load = { connections: CONNECTIONS, seconds: SECONDS, headers };
      await settle();
      const profile = await startProfile();
      const appResult = await cannon(`${base}${e.path}`, load);
      await profile?.stop(`api ${e.name}`);
      await settle();
      const baseProfile = await startProfile();
      const baseResult = await cannon(`${baseline.url}${e.path}`, load);
      await baseProfile?.stop(`baseline ${e.name}`);
      const row = {
        name: e.name,
        app: appResult,
        base: baseResult,
        statements: captured.get(e.path)!.flat().length,
      };
      rows.push(row);
      say(
        `  ${e.name}: app ${fmt(appResult.requestsPerSec)} req/s p99 ${appResult.p99Ms} ms (${appResult.errors} err) ` +
          `${fmt(appResult.cpuUsPerRequest)} µs CPU/req, baseline ${fmt(baseResult.requestsPerSec)} req/s ` +
          `p99 ${baseResult.p99Ms} ms (${baseResult.errors} err) ${fmt(baseResult.cpuUsPerRequest)} µs CPU/req`,
      );
    }
    print(rows, { connections: CONNECTIONS, seconds: SECONDS }, [
      `server: ${db.server}; app pool ${runtime.knex.client.pool?.max ?? '?'} connections (knex), shared by the baseline`,
      note,
      'both servers run in this process, one at a time; autocannon runs in a child process; other work on the machine makes figures noisy (ratios matter)',
      `SQL: the statements one request of the route ran (authentication included), per request`,
      ...keptNotes,
    ]);
  } finally {
    for (const close of closers) await close().catch((err: unknown) => say(`cleanup: ${String(err)}`));
  }
}
