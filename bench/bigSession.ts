// big-session: one account-sync session of BENCH_RECORDS records (default 10,000) in a service process of
// its own (bigSessionHost.ts: the real runtime, projections running live, the real HTTP API), with an
// engine adapter that answers at once, so only whalefall is measured. A session of a tenth of the records
// runs first, in the same service, as the baseline. For each: the run (start to the last record's end),
// the fold of its stream, the sync_sessions read model's lag behind it, GET /sync-sessions/{id} over
// HTTP from this process, and two recovery passes: over the session as a left-over open_sessions row (it
// finds it closed) and over a session of as many records whose process is gone (all abandoned).
// Targets: the fold of the big session under 10x the baseline's (linear), GET under 100 ms, peak RSS of
// the service under 300 MB (figures, not assertions). The fold is timed cold, fastest of 21 (foldTime in
// bigSessionHost.ts). BENCH_HEAP_PROFILE=dir writes an allocation profile of each request to the service.
//
// Why a child process: the RSS target is the service's, and a deployment runs the service compiled
// (`node dist/src/cli.js serve`), alone in its process. Run in this process under tsx, the figure also
// held the tsx loader and its source maps (some 40 MB), this process's own setup and the benchmark's
// client (5 MB bodies received and parsed). The host is compiled by tsc from the same sources
// (bench/tsconfig.host.json, into dist/bench-host) and run by plain node; its peak is VmHWM from
// /proc/<pid>/status, sampled VmRSS gives the peak of each phase. Everything the service does is still in
// that process: the sessions run in it, and its HTTP server builds every GET's answer. The 11,000
// instances are registered through the same commands by a first host process on the same database,
// stopped before the measured one starts (its peak is printed as information): a deployment holding a
// fleet registered it over months, not in the minute before its biggest session.
import { execFileSync, fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { HostAsk, HostMessage, SessionTimings } from './bigSessionHost.js';
import { printReport, type Measured } from './bigSessionReport.js';
import { newSecrets, type ServiceSecrets } from './bigSessionService.js';
import { openBenchDatabase, type BenchContext } from './support.js';

export const about =
  'a session of 10,000 records (instant engine adapter): run, fold, GET /sync-sessions/{id}, recovery, RSS';

// At most 45,000: each instance has its own port (20,000 on).
const RECORDS = Math.min(45_000, Math.max(10, Number(process.env.BENCH_RECORDS ?? 10_000) || 10_000));
const BASELINE = Math.round(RECORDS / 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32) || 32;
const GETS = 5;

const repoRoot = path.resolve(import.meta.dirname, '..');
const hostJs = path.join(repoRoot, 'dist/bench-host/bench/bigSessionHost.js');
const say = (line: string) => process.stderr.write(`${line}\n`);
const mb = (kb: number) => kb / 1024;

/** VmRSS and VmHWM of a process, in MB (0 once it is gone). */
function memoryOf(pid: number): { rss: number; hwm: number } {
  let status = '';
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return { rss: 0, hwm: 0 };
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: mb(kb('VmRSS')), hwm: mb(kb('VmHWM')) };
}

/** The service's largest RSS in each phase of the benchmark (sampled every 20 ms). */
function rssByPhase(pid: number) {
  const peaks = new Map<string, number>();
  let phase = 'start-up';
  const sample = () => peaks.set(phase, Math.max(peaks.get(phase) ?? 0, memoryOf(pid).rss));
  const timer = setInterval(sample, 20);
  return {
    peaks,
    enter(next: string) {
      sample();
      phase = next;
      sample();
    },
    peak: (name: string) => peaks.get(name) ?? 0,
    stop: () => clearInterval(timer),
  };
}

function compileHost(): void {
  say('compiling the service host (tsc -p bench/tsconfig.host.json)...');
  execFileSync(
    process.execPath,
    [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'bench/tsconfig.host.json'],
    {
      cwd: repoRoot,
      stdio: 'inherit',
    },
  );
}

/** The service process: forked from the compiled host, asked over IPC. */
async function startHost(databaseUrl: string, secrets: ServiceSecrets) {
  // execArgv empty: not this process's tsx loader.
  const child = fork(hostJs, [], {
    cwd: repoRoot,
    execArgv: [],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      BENCH_HOST_DATABASE_URL: databaseUrl,
      BENCH_HOST_PASSWORD: secrets.password,
      BENCH_HOST_SECRET_KEY: secrets.secretKey,
      ...(process.env.BENCH_HEAP_PROFILE && { BENCH_HEAP_PROFILE: process.env.BENCH_HEAP_PROFILE }),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let ready: (api: { base: string; token: string }) => void;
  let failed: (e: Error) => void;
  const started = new Promise<{ base: string; token: string }>((res, rej) => ((ready = res), (failed = rej)));
  child.on('message', (m: HostMessage) => {
    if (m.type === 'ready') return ready({ base: m.base, token: m.token });
    if (m.id === undefined)
      return failed(new Error(`the service host failed: ${m.type === 'failed' ? m.error : ''}`));
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.type === 'answer') w?.resolve(m.result);
    else w?.reject(new Error(`the service host failed: ${m.error}`));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code) => {
    const error = new Error(`the service host exited (${code})`);
    failed(error);
    for (const w of waiting.values()) w.reject(error);
  });
  const api = await started;
  let next = 0;
  const ask = <T>(request: HostAsk): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++next;
      waiting.set(id, { resolve: (v) => resolve(v as T), reject });
      child.send({ ...request, id });
    });
  return {
    pid: child.pid!,
    api,
    ask,
    async stop() {
      if (child.exitCode === null && child.connected) await ask({ op: 'close' }).catch(() => undefined);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
type Host = Awaited<ReturnType<typeof startHost>>;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A GET of the service's API as a client makes it: the body read whole and parsed, its time in ms. */
async function apiGet<T>(host: Host, path: string): Promise<{ ms: number; bytes: number; body: T }> {
  const t = performance.now();
  const res = await fetch(`${host.api.base}${path}`, {
    headers: { authorization: `Bearer ${host.api.token}` },
  });
  const text = await res.text();
  const ms = performance.now() - t;
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
  return { ms, bytes: Buffer.byteLength(text), body: JSON.parse(text) as T };
}

/**
 * GET /sync-sessions/{id} over HTTP, GETS times (the session with its first page of records), and
 * getSession() alone in the service; then, once, every record through GET /sync-sessions/{id}/records
 * page after page (100 a page, the API's largest), so the whole cost of reading the session shows too.
 */
async function reads(host: Host, sessionId: string) {
  const http: number[] = [];
  let bytes = 0;
  for (let i = 0; i < GETS; i++) {
    const got = await apiGet(host, `/sync-sessions/${sessionId}`);
    http.push(got.ms);
    bytes = got.bytes;
  }
  const query = await host.ask<number[]>({ op: 'query', sessionId, times: GETS });
  let pagesMs = 0;
  let pagesBytes = 0;
  let pages = 0;
  let records = 0;
  for (let page = 1; ; page++) {
    const got = await apiGet<{ data: unknown[]; meta: { pages: number } }>(
      host,
      `/sync-sessions/${sessionId}/records?page=${page}&limit=100`,
    );
    pagesMs += got.ms;
    pagesBytes += got.bytes;
    pages++;
    records += got.body.data.length;
    if (page >= got.body.meta.pages) break;
  }
  return {
    getFirstMs: http[0]!,
    getMedianMs: median(http),
    getMaxMs: Math.max(...http),
    getBytes: bytes,
    queryMedianMs: median(query),
    pagesMs,
    pagesBytes,
    pages,
    pagedRecords: records,
  };
}

async function measure(host: Host, ids: string[], rss: ReturnType<typeof rssByPhase>): Promise<Measured> {
  const n = ids.length;
  const label = `${n.toLocaleString('en-US')} records`;
  say(`session of ${label} at concurrency ${CONCURRENCY}...`);
  rss.enter(`run, fold and read models, ${label}`);
  const { sessionId, ...timings } = await host.ask<SessionTimings>({
    op: 'session',
    ids,
    concurrency: CONCURRENCY,
  });
  rss.enter(`GET, ${label}`);
  const read = await reads(host, sessionId);
  rss.enter(`recovery, ${label}`);
  const recovered = await host.ask<{
    recoveryClosedMs: number;
    recoveryOrphansMs: number;
    abandoned: number;
  }>({
    op: 'recoveries',
    sessionId,
    ids,
  });
  rss.enter('between');
  return {
    records: n,
    ...timings,
    ...read,
    ...recovered,
    rssRunMb: rss.peak(`run, fold and read models, ${label}`),
  };
}

export async function run(_ctx: BenchContext): Promise<void> {
  const db = await openBenchDatabase();
  const secrets = newSecrets();
  let host: Host | undefined;
  let rss: ReturnType<typeof rssByPhase> | undefined;
  try {
    compileHost();
    // The fleet is registered by a service process of its own, stopped before the sessions run: the
    // service measured is one that holds 11,000 instances (as a deployment's, registered over months), not
    // one that has just registered them all (the garbage of 11,000 registrations in a row, in its heap).
    host = await startHost(db.url, secrets);
    say(`registering ${(BASELINE + RECORDS).toLocaleString('en-US')} instances (setup, not timed)...`);
    const t = performance.now();
    const baseIds = await host.ask<string[]>({
      op: 'register',
      set: 'base',
      count: BASELINE,
      firstPort: 10_000,
    });
    const bigIds = await host.ask<string[]>({
      op: 'register',
      set: 'big',
      count: RECORDS,
      firstPort: 20_000,
    });
    await host.ask({ op: 'settled' });
    const registrationPeakMb = memoryOf(host.pid).hwm;
    say(
      `registered in ${((performance.now() - t) / 1000).toFixed(1)} s (peak RSS ${registrationPeakMb.toFixed(0)} MB)`,
    );
    await host.stop();

    host = await startHost(db.url, secrets);
    rss = rssByPhase(host.pid);
    rss.enter('start-up, read models caught up');
    await host.ask({ op: 'settled' });
    const base = await measure(host, baseIds, rss);
    const big = await measure(host, bigIds, rss);
    const peakMb = memoryOf(host.pid).hwm;
    rss.stop();
    printReport(
      {
        server: db.server,
        concurrency: CONCURRENCY,
        gets: GETS,
        rss: rss.peaks,
        peakMb,
        registrationPeakMb,
      },
      base,
      big,
    );
  } finally {
    rss?.stop();
    await host?.stop();
    await db.close();
  }
}
