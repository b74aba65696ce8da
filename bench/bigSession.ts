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
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { openSession } from '../src/commands/sync/openSessions.js';
import { abandonExpiredRecords } from '../src/commands/sync/recovery.js';
import { makeRunAccountSync } from '../src/commands/sync/runAccountSync.js';
import { executeSession, loadSession } from '../src/commands/sync/sessionWriter.js';
import { evolve, initialState, type SessionEvent } from '../src/domain/sessions/decider.js';
import { sessionStream } from '../src/domain/sessions/events.js';
import { getSession } from '../src/projections/syncSessions/queries.js';
import { printReport, type Measured } from './bigSessionReport.js';
import { say, startService, type BigSessionService } from './bigSessionService.js';
import { openBenchDatabase, type BenchContext, type BenchDatabase } from './support.js';

export const about =
  'a session of 10,000 records (instant engine adapter): run, fold, GET /sync-sessions/{id}, recovery, RSS';

// At most 45,000: each instance has its own port (20,000 on).
const RECORDS = Math.min(45_000, Math.max(10, Number(process.env.BENCH_RECORDS ?? 10_000) || 10_000));
const BASELINE = Math.round(RECORDS / 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32) || 32;
const GETS = 5;

/** The largest RSS seen in each phase of the benchmark (sampled every 20 ms). */
function rssByPhase() {
  const peaks = new Map<string, number>();
  let phase = 'start-up';
  const sample = () => peaks.set(phase, Math.max(peaks.get(phase) ?? 0, mb(process.memoryUsage.rss())));
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

const mb = (bytes: number) => bytes / 2 ** 20;

// A full collection before each timing: the fold is then charged for its own garbage only, not for the
// heap the earlier phases (registration, the run, the live projections) left to collect.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/**
 * The fastest of five timings of `fn`, each after a full collection: CPU ms of this process (user +
 * system), which the other processes on a loaded machine do not stretch the way they stretch wall time
 * (a 10 ms fold fits in one time slice, a 100 ms one is preempted many times), and wall ms.
 */
function fastest(fn: () => void): { cpuMs: number; wallMs: number } {
  let cpuMs = Infinity;
  let wallMs = Infinity;
  for (let i = 0; i < 5; i++) {
    collectGarbage();
    const t = performance.now();
    const cpu = process.cpuUsage();
    fn();
    const used = process.cpuUsage(cpu);
    wallMs = Math.min(wallMs, performance.now() - t);
    cpuMs = Math.min(cpuMs, (used.user + used.system) / 1000);
  }
  return { cpuMs, wallMs };
}

const since = (t: number) => performance.now() - t;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const result = await fn();
  return [result, since(t)];
}

const countEvents = async (db: BenchDatabase): Promise<number> =>
  Number((await db.knex('events').count({ c: '*' }))[0]!.c);

/** The session's run, start to the last record's end; throws unless every record completed. */
async function runSession(service: BigSessionService, db: BenchDatabase, ids: string[]) {
  const eventsBefore = await countEvents(db);
  const run = makeRunAccountSync(service.deps);
  const [sessionId, runMs] = await timed(async () => {
    const started = await run({ instanceIds: ids }, 'manual_batch', service.ctx, {
      concurrency: CONCURRENCY,
    });
    await started.done;
    return started.sessionId;
  });
  const events = (await countEvents(db)) - eventsBefore;
  const history = await service.runtime.store.readStream(sessionStream(sessionId));
  const fold = () => history.reduce((s, e) => evolve(s, e as unknown as SessionEvent), initialState());
  const state = fold();
  if (state.status !== 'completed' || state.records.tally.completed !== ids.length)
    throw new Error(
      `the session is ${state.status}: ${state.records.tally.completed} of ${ids.length} completed`,
    );
  return { sessionId, history, fold, wallSec: runMs / 1000, events };
}

/** GET /sync-sessions/{id} over HTTP, GETS times, and getSession() (what the route calls) alone. */
async function reads(service: BigSessionService, sessionId: string) {
  const http: number[] = [];
  let bytes = 0;
  for (let i = 0; i < GETS; i++) {
    const got = await service.get(`/sync-sessions/${sessionId}`);
    if (got.status !== 200) throw new Error(`GET /sync-sessions/${sessionId} answered ${got.status}`);
    http.push(got.ms);
    bytes = got.bytes;
  }
  const query: number[] = [];
  for (let i = 0; i < GETS; i++)
    query.push((await timed(() => getSession(service.runtime.knex, sessionId)))[1]);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return {
    getFirstMs: http[0]!,
    getMedianMs: median(http),
    getMaxMs: Math.max(...http),
    getBytes: bytes,
    queryMedianMs: median(query),
  };
}

/** Two recovery passes: the session as a left-over row (found closed), and a session whose process is gone. */
async function recoveries(service: BigSessionService, sessionId: string, ids: string[]) {
  const { runtime, ctx } = service;
  const deps = {
    knex: runtime.knex,
    store: runtime.store,
    logger: runtime.logger,
    sessions: runtime.sessions,
  };
  await openSession(runtime.knex, sessionId);
  const [, recoveryClosedMs] = await timed(() => abandonExpiredRecords(deps, new Date(), 60_000));
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
      owner: randomUUID(), // a process with no heartbeat: gone
    },
    ctx,
  );
  const [abandoned, recoveryOrphansMs] = await timed(() => abandonExpiredRecords(deps, new Date(), 60_000));
  return { recoveryClosedMs, recoveryOrphansMs, abandoned };
}

async function measure(
  service: BigSessionService,
  db: BenchDatabase,
  ids: string[],
  rss: ReturnType<typeof rssByPhase>,
): Promise<Measured> {
  const n = ids.length;
  const label = `${n.toLocaleString('en-US')} records`;
  say(`session of ${label} at concurrency ${CONCURRENCY}...`);
  rss.enter(`run, ${label}`);
  const ran = await runSession(service, db, ids);
  rss.enter(`fold and read models, ${label}`);
  const { cpuMs: foldMs, wallMs: foldWallMs } = fastest(ran.fold);
  const [, loadMs] = await timed(() => loadSession(service.runtime.store, ran.sessionId));
  const [, projectedMs] = await timed(() => service.projected(ran.history.at(-1)!.position));
  const [, settledMs] = await timed(() => service.settled());
  rss.enter(`GET, ${label}`);
  const read = await reads(service, ran.sessionId);
  rss.enter(`recovery, ${label}`);
  const recovered = await recoveries(service, ran.sessionId, ids);
  rss.enter('between');
  const { sessionId: _s, history: _h, fold: _f, ...run } = ran;
  return {
    records: n,
    ...run,
    foldMs,
    foldWallMs,
    loadMs,
    projectedMs,
    settledMs,
    ...read,
    ...recovered,
    rssRunMb: rss.peak(`run, ${label}`),
  };
}

export async function run(_ctx: BenchContext): Promise<void> {
  const db = await openBenchDatabase();
  const rss = rssByPhase();
  let service: BigSessionService | undefined;
  try {
    service = await startService(db.url);
    say(`registering ${(BASELINE + RECORDS).toLocaleString('en-US')} instances (setup, not timed)...`);
    rss.enter('registration (setup)');
    const [[baseIds, bigIds], registerMs] = await timed(async () => [
      await service!.register('base', BASELINE, 10_000),
      await service!.register('big', RECORDS, 20_000),
    ]);
    say(`registered in ${(registerMs / 1000).toFixed(1)} s`);
    await service.settled();
    const base = await measure(service, db, baseIds, rss);
    const big = await measure(service, db, bigIds, rss);
    rss.stop();
    printReport({ server: db.server, concurrency: CONCURRENCY, gets: GETS, rss: rss.peaks }, base, big);
  } finally {
    rss.stop();
    await service?.close();
    await db.close();
  }
}
