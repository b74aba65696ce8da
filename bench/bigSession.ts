// big-session: one account-sync session of BENCH_RECORDS records (default 10,000) in the service of this
// process (bigSessionService.ts: the real runtime, projections running live, the real HTTP API), with an
// engine adapter that answers at once, so only whalefall is measured. A session of a tenth of the records
// runs first, in the same process, as the baseline. For each: the run (start to the last record's end),
// the fold of its stream, the sync_sessions read model's lag behind it, GET /sync-sessions/{id} over
// HTTP, and two recovery passes: over the session as a left-over open_sessions row (it finds it closed)
// and over a session of as many records whose process is gone (every record pending: all abandoned).
// Targets: the fold of the big session under 10x the baseline's (linear), GET under 100 ms, peak RSS of
// the process under 300 MB (figures, not assertions).
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { openSession } from '../src/commands/sync/openSessions.js';
import { abandonExpiredRecords } from '../src/commands/sync/recovery.js';
import { makeRunAccountSync } from '../src/commands/sync/runAccountSync.js';
import { executeSession, loadSession } from '../src/commands/sync/sessionWriter.js';
import { evolve, initialState, type SessionEvent } from '../src/domain/sessions/decider.js';
import { sessionStream } from '../src/domain/sessions/events.js';
import { say, startService, type BigSessionService } from './bigSessionService.js';
import { openBenchDatabase, type BenchContext, type BenchDatabase } from './support.js';

export const about =
  'a session of 10,000 records (instant engine adapter): run, fold, GET /sync-sessions/{id}, recovery, RSS';

// At most 45,000: each instance has its own port (20,000 on).
const RECORDS = Math.min(45_000, Math.max(10, Number(process.env.BENCH_RECORDS ?? 10_000) || 10_000));
const BASELINE = Math.round(RECORDS / 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32) || 32;
const GETS = 5;

interface Measured {
  records: number;
  wallSec: number;
  events: number;
  foldMs: number;
  loadMs: number;
  projectedMs: number;
  getFirstMs: number;
  getMedianMs: number;
  getBytes: number;
  recoveryClosedMs: number;
  recoveryOrphansMs: number;
  abandoned: number;
  rssPeakMb: number;
}

const countEvents = async (db: BenchDatabase): Promise<number> =>
  Number((await db.knex('events').count({ c: '*' }))[0]!.c);

const mb = (bytes: number) => bytes / 2 ** 20;

/** The largest RSS seen while `body` runs (sampled every 20 ms, and once at the end). */
async function peakRss<T>(body: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  try {
    const result = await body();
    return { result, peakMb: mb(Math.max(peak, process.memoryUsage.rss())) };
  } finally {
    clearInterval(timer);
  }
}

/** The fastest of three timings of `fn`, in ms (the first also warms the code up). */
function fastest(fn: () => void): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

const since = (t: number) => performance.now() - t;

async function measure(service: BigSessionService, db: BenchDatabase, ids: string[]): Promise<Measured> {
  const { deps, ctx, runtime } = service;
  const n = ids.length;
  say(`session of ${n.toLocaleString('en-US')} records at concurrency ${CONCURRENCY}...`);
  const run = makeRunAccountSync(deps);
  const eventsBefore = await countEvents(db);
  const t0 = performance.now();
  const { result: sessionId, peakMb } = await peakRss(async () => {
    const started = await run({ instanceIds: ids }, 'manual_batch', ctx, { concurrency: CONCURRENCY });
    await started.done;
    return started.sessionId;
  });
  const wallSec = since(t0) / 1000;
  const events = (await countEvents(db)) - eventsBefore;

  const history = await runtime.store.readStream(sessionStream(sessionId));
  const fold = () => history.reduce((s, e) => evolve(s, e as unknown as SessionEvent), initialState());
  const state = fold();
  if (state.status !== 'completed' || state.records.tally.completed !== n)
    throw new Error(`the session is ${state.status} with ${state.records.tally.completed} of ${n} completed`);
  const foldMs = fastest(fold);
  let t = performance.now();
  await loadSession(runtime.store, sessionId);
  const loadMs = since(t);

  t = performance.now();
  await service.projected(history.at(-1)!.position);
  const projectedMs = since(t);

  const gets: number[] = [];
  let getBytes = 0;
  for (let i = 0; i < GETS; i++) {
    const got = await service.get(`/sync-sessions/${sessionId}`);
    if (got.status !== 200) throw new Error(`GET /sync-sessions/${sessionId} answered ${got.status}`);
    gets.push(got.ms);
    getBytes = got.bytes;
  }
  const sorted = [...gets].sort((a, b) => a - b);

  const recovery = {
    knex: runtime.knex,
    store: runtime.store,
    logger: runtime.logger,
    sessions: runtime.sessions,
  };
  // A row left over (a process stopped between the last event and the row's removal): read, found closed.
  await openSession(runtime.knex, sessionId);
  t = performance.now();
  await abandonExpiredRecords(recovery, new Date(), 60_000);
  const recoveryClosedMs = since(t);

  // A session whose process is gone before it ran a record: the pass abandons every record.
  const orphaned = randomUUID();
  await openSession(runtime.knex, orphaned);
  await executeSession(
    runtime.store,
    {
      type: 'StartSession',
      sessionId: orphaned,
      category: 'account',
      syncType: 'manual_batch',
      instances: ids.map((instanceId, i) => ({ instanceId, instanceName: `orphan-${i}` })),
      owner: randomUUID(),
    },
    ctx,
  );
  t = performance.now();
  const abandoned = await abandonExpiredRecords(recovery, new Date(), 60_000);
  const recoveryOrphansMs = since(t);

  return {
    records: n,
    wallSec,
    events,
    foldMs,
    loadMs,
    projectedMs,
    getFirstMs: gets[0]!,
    getMedianMs: sorted[Math.floor(GETS / 2)]!,
    getBytes,
    recoveryClosedMs,
    recoveryOrphansMs,
    abandoned,
    rssPeakMb: peakMb,
  };
}

const num = (v: number, digits = 0) =>
  v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function printReport(server: string, base: Measured, big: Measured): void {
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  const rows: [string, (m: Measured) => string][] = [
    ['run: wall s', (m) => num(m.wallSec, 2)],
    ['run: events appended (every stream)', (m) => num(m.events)],
    ['run: events/s', (m) => num(m.events / m.wallSec)],
    ['run: records/s', (m) => num(m.records / m.wallSec)],
    ['run: peak RSS sampled, MB', (m) => num(m.rssPeakMb)],
    ['fold of the session stream (evolve), ms', (m) => num(m.foldMs, 1)],
    ['loadSession (read + fold), ms', (m) => num(m.loadMs, 1)],
    ['sync_sessions read model behind the run end, ms', (m) => num(m.projectedMs)],
    ['GET /sync-sessions/{id}: first, ms', (m) => num(m.getFirstMs, 1)],
    [`GET /sync-sessions/{id}: median of ${GETS}, ms`, (m) => num(m.getMedianMs, 1)],
    ['GET /sync-sessions/{id}: body, KB', (m) => num(m.getBytes / 1024)],
    ['recovery pass, session closed (left-over row), ms', (m) => num(m.recoveryClosedMs, 1)],
    ['recovery pass, process gone (every record abandoned), ms', (m) => num(m.recoveryOrphansMs)],
  ];
  const head = ['', `${num(base.records)} records`, `${num(big.records)} records`];
  const width = Math.max(...rows.map(([name]) => name.length));
  const line = (cells: string[]) =>
    [cells[0]!.padEnd(width), cells[1]!.padStart(16), cells[2]!.padStart(16)].join('  ');
  const foldRatio = big.foldMs / base.foldMs;
  const targets = [
    {
      name: `fold of ${num(big.records)} records / fold of ${num(base.records)}`,
      value: `${foldRatio.toFixed(2)}x`,
      target: '< 10x',
      met: foldRatio < 10,
    },
    {
      name: `GET /sync-sessions/{id} of ${num(big.records)} records (slowest of ${GETS})`,
      value: `${num(Math.max(big.getFirstMs, big.getMedianMs), 1)} ms`,
      target: '< 100 ms',
      met: Math.max(big.getFirstMs, big.getMedianMs) < 100,
    },
    {
      name: 'peak RSS of the process (maxRSS, setup included)',
      value: `${num(maxRssMb)} MB`,
      target: '< 300 MB',
      met: maxRssMb < 300,
    },
  ];
  const all = targets.every((t) => t.met);
  const out = [
    '',
    `big-session: account-sync sessions of ${num(base.records)} and ${num(big.records)} records at concurrency ${CONCURRENCY}, instant engine adapter, in-process service and HTTP API`,
    `machine: ${os.availableParallelism()} cores (${os.cpus()[0]?.model.trim() ?? 'unknown cpu'}), Node ${process.version}, ${server}`,
    `records abandoned by the recovery passes: ${num(base.abandoned)} and ${num(big.abandoned)}`,
    '',
    line(head),
    line(head.map((h, i) => '-'.repeat(i === 0 ? width : 16))),
    ...rows.map(([name, f]) => line([name, f(base), f(big)])),
    '',
    ...targets.map((t) => `${t.name}: ${t.value} (target ${t.target})  ${t.met ? 'PASS' : 'MISS'}`),
    '',
    all
      ? 'summary: PASS (every target met)'
      : 'summary: MISS (see the targets marked MISS; targets, not assertions)',
    '',
  ];
  process.stdout.write(out.join('\n') + '\n');
}

export async function run(_ctx: BenchContext): Promise<void> {
  const db = await openBenchDatabase();
  let service: BigSessionService | undefined;
  try {
    service = await startService(db.url);
    say(`registering ${num(BASELINE + RECORDS)} instances (setup, not timed)...`);
    const t = performance.now();
    const baseIds = await service.register('base', BASELINE, 10_000);
    const bigIds = await service.register('big', RECORDS, 20_000);
    say(`registered in ${num(since(t) / 1000, 1)} s`);
    const base = await measure(service, db, baseIds);
    const big = await measure(service, db, bigIds);
    printReport(db.server, base, big);
  } finally {
    await service?.close();
    await db.close();
  }
}
