// The big-session benchmark's service process: what bigSession.ts forks, compiled by tsc
// (bench/tsconfig.host.json) and run by plain node, as a deployment runs the built service (no tsx
// loader, no benchmark code of the parent in its heap). It starts the service (bigSessionService.ts) on
// BENCH_HOST_DATABASE_URL and answers the parent's requests over the IPC channel: register instances,
// run a session and time what only the service can time (the fold, loadSession, the read models' lag,
// getSession alone, the recovery passes). The parent measures the rest from outside: GET over HTTP, and
// this process's RSS from /proc.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { openSession } from '../src/commands/sync/openSessions.js';
import { abandonExpiredRecords } from '../src/commands/sync/recovery.js';
import { makeRunAccountSync } from '../src/commands/sync/runAccountSync.js';
import { executeSession, loadSession } from '../src/commands/sync/sessionWriter.js';
import { evolve, initialState, type SessionEvent } from '../src/domain/sessions/decider.js';
import { sessionStream } from '../src/domain/sessions/events.js';
import { errorMessage } from '../src/domain/errors.js';
import { getSession } from '../src/projections/syncSessions/queries.js';
import { startService, type BigSessionService } from './bigSessionService.js';

/** A request of the parent; sent with an id, which its answer repeats. */
export type HostAsk =
  | { op: 'register'; set: string; count: number; firstPort: number }
  | { op: 'settled' }
  | { op: 'session'; ids: string[]; concurrency: number }
  | { op: 'query'; sessionId: string; times: number }
  | { op: 'recoveries'; sessionId: string; ids: string[] }
  | { op: 'close' };
type HostRequest = HostAsk & { id: number };
export type HostMessage =
  | { type: 'ready'; base: string; token: string }
  | { type: 'answer'; id: number; result: unknown }
  | { type: 'failed'; id?: number; error: string };

/** What `session` answers: the run, and the service-side timings of its session. */
export interface SessionTimings {
  sessionId: string;
  wallSec: number;
  events: number;
  /** One fold of the session's stream, wall ms (foldTime()): the fastest sample, and the median. */
  foldMs: number;
  foldMedianMs: number;
  loadMs: number;
  projectedMs: number;
  settledMs: number;
  /** Heap in use after a full collection, once the session is read: what the service keeps. */
  heapAfterMb: number;
  /** The largest V8 heap (heapTotal) seen during the run, and the largest RSS outside it (code, buffers, malloc). */
  heapPeakMb: number;
  outsideHeapPeakMb: number;
}

// A full collection before each fold timing: the fold is then charged for its own garbage only.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

const FOLD_SAMPLES = 21;
const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
/** Written over before each fold sample so that every fold starts cold: 4x this machine's L2 (2 MB a core). */
const FLUSH_BYTES = 8 * 2 ** 20;

/**
 * The time of one fold, from FOLD_SAMPLES samples of one fold each: before each, a full collection, the
 * caches flushed and a pause (the collector sweeps on other threads after gc() returns). Wall ms on this
 * thread, which does nothing else meanwhile; the figure is the fastest sample, the one the fewest other
 * processes' turns fell in (on the shared benchmark machine the median of a 10 ms fold is mostly theirs),
 * and the median is kept to show the load. Not CPU time: process.cpuUsage counts every thread, the
 * collector's sweeping included, and cannot tell a 1,000-record fold (under 1 ms) apart; the main
 * thread's count in /proc/thread-self/schedstat moves by scheduler ticks (read 0 ms for such a fold).
 * Cold caches for every size: a 1,000-record fold repeated over the same history found it in the
 * cache, a 10,000-record one (20 MB of events) never does.
 */
async function foldTime(fn: () => void) {
  const wall: number[] = [];
  // Made here, not kept: the service's RSS is measured too.
  const cacheFlush = Buffer.allocUnsafe(FLUSH_BYTES);
  for (let i = 0; i < FOLD_SAMPLES; i++) {
    collectGarbage();
    cacheFlush.fill(i);
    await settle();
    const t = performance.now();
    fn();
    wall.push(performance.now() - t);
  }
  const ms = sorted(wall);
  return { foldMs: ms[0]!, foldMedianMs: ms[Math.floor(ms.length / 2)]! };
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const result = await fn();
  return [result, performance.now() - t];
}

const countEvents = async (service: BigSessionService): Promise<number> =>
  Number((await service.runtime.knex('events').count({ c: '*' }))[0]!.c);

/** The session's run (start to the last record's end), its fold, loadSession and the read models' lag. */
async function session(
  service: BigSessionService,
  ids: string[],
  concurrency: number,
): Promise<SessionTimings> {
  const eventsBefore = await countEvents(service);
  let heapPeak = 0;
  let outsidePeak = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    heapPeak = Math.max(heapPeak, m.heapTotal);
    outsidePeak = Math.max(outsidePeak, m.rss - m.heapTotal);
  }, 20);
  const run = makeRunAccountSync(service.deps);
  const [sessionId, runMs] = await timed(async () => {
    const started = await run({ instanceIds: ids }, 'manual_batch', service.ctx, { concurrency });
    await started.done;
    return started.sessionId;
  });
  clearInterval(sampler);
  const events = (await countEvents(service)) - eventsBefore;
  const history = await service.runtime.store.readStream(sessionStream(sessionId));
  const fold = () => history.reduce((s, e) => evolve(s, e as unknown as SessionEvent), initialState());
  const state = fold();
  if (state.status !== 'completed' || state.records.tally.completed !== ids.length)
    throw new Error(
      `the session is ${state.status}: ${state.records.tally.completed} of ${ids.length} completed`,
    );
  const folded = await foldTime(fold);
  const [, loadMs] = await timed(() => loadSession(service.runtime.store, sessionId));
  const [, projectedMs] = await timed(() => service.projected(history.at(-1)!.position));
  const [, settledMs] = await timed(() => service.settled());
  collectGarbage();
  const heapAfterMb = process.memoryUsage().heapUsed / 2 ** 20;
  return {
    sessionId,
    wallSec: runMs / 1000,
    events,
    ...folded,
    loadMs,
    projectedMs,
    settledMs,
    heapAfterMb,
    heapPeakMb: heapPeak / 2 ** 20,
    outsideHeapPeakMb: outsidePeak / 2 ** 20,
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

/**
 * BENCH_HEAP_PROFILE=dir: every allocation sampled during each request, collected or not, written as
 * <dir>/<op>-<n>.heapprofile (Chrome DevTools): which code makes the garbage that takes the RSS up.
 */
async function heapSampled<T>(op: string, fn: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_HEAP_PROFILE;
  if (!dir) return fn();
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 16384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    session.disconnect();
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, `${op}-${++sampled}.heapprofile`), JSON.stringify(profile));
  }
}
let sampled = 0;

async function answer(service: BigSessionService, request: HostRequest): Promise<unknown> {
  return heapSampled(request.op, () => answered(service, request));
}

async function answered(service: BigSessionService, request: HostRequest): Promise<unknown> {
  switch (request.op) {
    case 'register':
      return service.register(request.set, request.count, request.firstPort);
    case 'settled':
      return service.settled();
    case 'session':
      return session(service, request.ids, request.concurrency);
    case 'query': {
      const ms: number[] = [];
      for (let i = 0; i < request.times; i++)
        ms.push((await timed(() => getSession(service.runtime.knex, request.sessionId)))[1]);
      return ms;
    }
    case 'recoveries':
      return recoveries(service, request.sessionId, request.ids);
    case 'close':
      await service.close();
      return undefined;
  }
}

const send = (message: HostMessage) => process.send!(message);

async function main(): Promise<void> {
  const url = process.env.BENCH_HOST_DATABASE_URL;
  if (!url || !process.send) throw new Error('bigSessionHost: forked by bigSession.ts only');
  const { BENCH_HOST_PASSWORD: password, BENCH_HOST_SECRET_KEY: secretKey } = process.env;
  const service = await startService(url, password && secretKey ? { password, secretKey } : undefined);
  process.on('message', (request: HostRequest) => {
    answer(service, request).then(
      (result) => {
        send({ type: 'answer', id: request.id, result });
        if (request.op === 'close') process.disconnect();
      },
      (err: unknown) => send({ type: 'failed', id: request.id, error: errorMessage(err) }),
    );
  });
  send({ type: 'ready', ...service.api });
}

main().catch((err: unknown) => {
  process.send?.({ type: 'failed', error: errorMessage(err) } satisfies HostMessage);
  process.exitCode = 1;
});
