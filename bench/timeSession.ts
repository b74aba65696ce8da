// A session of the fleet (fleet.ts) timed from its start until every record has ended, and the report
// that puts the runs of one benchmark at different concurrencies next to each other.
import { performance } from 'node:perf_hooks';
import type { SessionRunDeps, StartedSession } from '../src/commands/sync/runSession.js';
import { loadSession } from '../src/commands/sync/sessionWriter.js';
import type { RecordedEvent } from '../src/domain/events/envelope.js';
import { profiledRuns, startCpuPhases } from './cpuPhases.js';
import { cpuBetween, cpuCeilingLine, describeCpu, sampleCpu, type CpuSample } from './cpuUsage.js';
import { liveProjections, say, type Fleet, type FleetInstance } from './fleet.js';
import { countsBetween, type ProxyCounts } from './latencyProxy.js';
import { describePgCpu, startPgCpu, type PgCpuSplit } from './pgBackendCpu.js';
import { phaseTimer } from './phaseTimer.js';
import { report, type BenchDatabase } from './support.js';

export interface TimedSession {
  concurrency: number;
  instances: number;
  wallSec: number;
  /** Events appended during the session, all streams. */
  events: number;
  /** The session stream: SessionStarted ... SessionCompleted. */
  history: RecordedEvent[];
  /** Seconds the live projections took after the session's end to apply everything it appended. */
  settleSec?: number;
  /** CPU seconds used meanwhile, until the projections had caught up, by process group (cpuUsage.ts). */
  cpu: CpuSample;
  /** The PostgreSQL backends' CPU meanwhile by who asks (pgBackendCpu.ts), or why there is none. */
  pgCpu?: PgCpuSplit | string;
  /** Where this process's CPU went during the session, as report lines (cpuPhases.ts). */
  profile?: string[];
  /** Connections and round trips meanwhile per proxy target (roundTrips.ts), when behind the proxy. */
  roundTrips?: ProxyCounts;
}

const countEvents = async (db: BenchDatabase): Promise<number> =>
  Number((await db.knex('events').count({ c: '*' }))[0]!.c);

/**
 * Times a session from its start until every record has ended; throws unless every record completed
 * (but those of `mayFail`, e.g. a blackholed instance). `underProfiler`: under the CPU profiler (not for a
 * measured figure: cpuPhases.ts).
 */
export async function timeSession(
  fleet: Fleet,
  what: string,
  instances: number,
  concurrency: number,
  start: () => Promise<StartedSession>,
  {
    mayFail = new Set<string>(),
    underProfiler = false,
  }: { mayFail?: ReadonlySet<string>; underProfiler?: boolean } = {},
): Promise<TimedSession> {
  say(`${what}: ${instances} instances at concurrency ${concurrency}...`);
  const eventsBefore = await countEvents(fleet.db);
  const profiling = await startCpuPhases(underProfiler);
  const proxyBefore = await fleet.proxy?.counts();
  const pgCpuWindow = await startPgCpu(fleet.pgCpu.url, fleet.pgCpu.rules);
  const cpuBefore = sampleCpu(fleet.cpuTrees);
  const started = performance.now();
  const session = await start();
  await session.done;
  const wallSec = (performance.now() - started) / 1000;
  await fleet.settle();
  const settleSec = (performance.now() - started) / 1000 - wallSec;
  const cpu = cpuBetween(cpuBefore, sampleCpu(fleet.cpuTrees));
  const pgCpu = await pgCpuWindow.stop();
  if (typeof pgCpu !== 'string' && pgCpu.samplerMs) {
    // The sampler's own reads ran in this process: a cost of measuring, not the service's.
    cpu.bench = cpu.bench! - pgCpu.samplerMs / 1000;
    cpu['PostgreSQL CPU sampler'] = pgCpu.samplerMs / 1000;
  }
  const profile = await profiling.stop(`${what} at concurrency ${concurrency}`, instances);
  const roundTrips = proxyBefore && countsBetween(proxyBefore, await fleet.proxy!.counts());
  const events = (await countEvents(fleet.db)) - eventsBefore;

  const { state, history } = await loadSession(fleet.deps.store, session.sessionId);
  const notCompleted = [...state.records].filter(([id, r]) => r.status !== 'completed' && !mayFail.has(id));
  const ended = state.status === 'completed' || (mayFail.size > 0 && state.status === 'partial');
  if (!ended || notCompleted.length > 0) {
    say(`session ${session.sessionId} is ${state.status}; ${notCompleted.length} record(s) not completed:`);
    const ends = ['InstanceSyncFailed', 'InstanceSyncSkipped', 'InstanceSyncAbandoned'];
    for (const e of history.filter((h) => ends.includes(h.type)))
      say(`  ${e.type} ${JSON.stringify(e.data)}`);
    throw new Error(`${what} at concurrency ${concurrency} did not complete every record`);
  }
  return {
    concurrency,
    instances,
    wallSec,
    settleSec,
    events,
    history,
    cpu,
    pgCpu,
    profile,
    ...(roundTrips && { roundTrips }),
  };
}

/** Starts a session over these instances at this concurrency, with the dependencies it is given. */
export type SessionStarter = (
  deps: SessionRunDeps,
  instanceIds: string[],
  concurrency: number,
) => Promise<StartedSession>;

/** Instances of the warm-up session (BENCH_WARMUP_INSTANCES; 0: none). */
const warmUpInstances = 2 * Math.round(Number(process.env.BENCH_WARMUP_INSTANCES ?? 40) / 2) || 0;

/**
 * A session over instances of its own before the measured ones, its phases dropped: V8 compiles the hot
 * code during the first few hundred calls (on other threads too), and a long-running service has that
 * behind it. Answers the line that says what it cost.
 */
async function warmUp(
  fleet: Fleet,
  what: string,
  concurrency: number,
  run: (instanceIds: string[]) => Promise<TimedSession>,
): Promise<string[]> {
  if (warmUpInstances < 2) return [];
  const [set] = await fleet.register(['warm-up'], warmUpInstances);
  // A record of the warm-up that fails (the servers are busy) warms up as well: only its CPU is told.
  const r = await run(set!.map((s) => s.id)).catch((err: unknown) => err as Error);
  if (r instanceof Error) return [`warm-up (not measured): ${r.message}`];
  return [
    `warm-up (not measured): ${what} of ${r.instances} other instances at concurrency ${concurrency} first: ` +
      `${((1000 * r.cpu.bench!) / r.instances).toFixed(1)} service CPU ms/instance`,
  ];
}

/**
 * One timed session per concurrency, the i-th over the i-th set, after a warm-up, with every store,
 * engine and lock call timed (phaseTimer.ts): the runs, and the lines that say where their time went.
 */
export async function timeSessions(
  fleet: Fleet,
  what: string,
  sets: readonly (readonly FleetInstance[])[],
  concurrencies: readonly number[],
  start: SessionStarter,
): Promise<{ runs: TimedSession[]; phases: string[]; synced: number }> {
  const timer = phaseTimer(fleet.deps);
  const runs: TimedSession[] = [];
  const last = concurrencies.at(-1)!;
  const phases = await warmUp(fleet, what, last, async (ids) => {
    const run = await timeSession(fleet, `${what} (warm-up)`, ids.length, last, () =>
      start(timer.deps, ids, last),
    );
    timer.take(run);
    return run;
  });
  let synced = warmUpInstances;
  for (const [i, concurrency] of concurrencies.entries()) {
    const instanceIds = sets[i]!.map((s) => s.id);
    const run = await timeSession(fleet, what, instanceIds.length, concurrency, () =>
      start(timer.deps, instanceIds, concurrency),
    );
    runs.push(run);
    phases.push(...timer.take(run));
    synced += run.instances;
  }
  if (profiledRuns)
    for (const run of runs) {
      run.profile = [...(run.profile ?? []), ...(await profiled(fleet, what, run, timer, start))];
      synced += run.instances;
    }
  // Every instance synced here (warm-up, measured and profiled): what the proxy's CPU is divided by.
  return { runs, phases, synced };
}

/**
 * The same work as a measured run, over instances of its own, under the profiler: where the service's CPU
 * goes, and what the profiler itself cost (its service CPU next to the measured run's).
 */
async function profiled(
  fleet: Fleet,
  what: string,
  measured: TimedSession,
  timer: ReturnType<typeof phaseTimer>,
  start: SessionStarter,
): Promise<string[]> {
  const c = measured.concurrency;
  const [set] = await fleet.register([`profiled-c${c}`], measured.instances);
  const ids = set!.map((s) => s.id);
  const run = await timeSession(fleet, `${what} (profiled)`, ids.length, c, () => start(timer.deps, ids, c), {
    underProfiler: true,
  });
  timer.take(run);
  const ms = (r: TimedSession) => ((1000 * r.cpu.bench!) / r.instances).toFixed(1);
  return [
    `profiled run of its own (not measured): ${what} of ${run.instances} other instances at concurrency ${c}, ` +
      `${ms(run)} service CPU ms/instance under the profiler vs. ${ms(measured)} measured without it`,
    ...(run.profile ?? []).slice(1),
  ];
}

/** "mysql 52, postgresql 53-54": a figure of each completed record (min-max), per engine. */
export function perEngine(
  instances: readonly FleetInstance[],
  run: TimedSession,
  figure: (completed: { itemsSynced: number; details: Record<string, unknown> }) => number,
): string {
  const typeOf = new Map(instances.map((i) => [i.id, i.dbType]));
  const seen: Record<string, { min: number; max: number }> = {};
  for (const e of run.history) {
    if (e.type !== 'InstanceSyncCompleted') continue;
    const d = e.data as { instanceId: string; itemsSynced: number; details: Record<string, unknown> };
    const n = figure(d);
    const range = (seen[typeOf.get(d.instanceId) ?? '?'] ??= { min: n, max: n });
    range.min = Math.min(range.min, n);
    range.max = Math.max(range.max, n);
  }
  return Object.entries(seen)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, { min, max }]) => `${type} ${min === max ? min : `${min}-${max}`}`)
    .join(', ');
}

/** The speed-up the CPU allows the last run (cpuCeilingLine), against the first run's rate. */
function cpuCeiling(first: TimedSession, last: TimedSession): string {
  if (!('whalefall store' in last.cpu))
    return 'CPU ceiling: needs the CPU time of each process (Linux /proc)';
  return cpuCeilingLine(
    last.cpu,
    last.instances,
    first.instances / first.wallSec,
    `concurrency ${first.concurrency}`,
  );
}

/** The runs' instances/s next to each other: the first run is the baseline, the last has the target. */
export function reportSpeedUp(
  title: string,
  runs: readonly TimedSession[],
  info: {
    server: string;
    targetPercent: number;
    notes: string[];
    detail: (run: TimedSession) => string;
    /** timeSessions()'s lines, printed after the table. */
    phases: string[];
    /** Target of the service's CPU (this process, process.cpuUsage) per instance in each run. */
    serviceCpuTargetMs?: number;
    /** The monitored PostgreSQL's postmaster when it runs here (fleet.cpuTrees), for the split's note. */
    monitoredPostgres?: number;
    /** Targets the caller prints after this report, counted in its summary (report's `below`). */
    below?: readonly boolean[];
  },
): boolean {
  const perSec = (r: TimedSession) => r.instances / r.wallSec;
  const first = runs[0]!;
  const last = runs.at(-1)!;
  const met = report(
    title,
    runs.map((r) => ({
      case: `concurrency ${r.concurrency}, instances/s`,
      rowsPerSec: perSec(r),
      baselineRowsPerSec: perSec(first),
      ...(r === last ? { targetPercent: info.targetPercent } : {}),
    })),
    {
      server: info.server,
      notes: [
        ...info.notes,
        ...runs.map(
          (r) =>
            `concurrency ${r.concurrency}: ${r.wallSec.toFixed(2)} s wall, ${r.events.toLocaleString('en-US')} events, ` +
            `${Math.round(r.events / r.wallSec).toLocaleString('en-US')} events/s, ` +
            `${perSec(r).toFixed(1)} instances/s, ${r.settleSec === undefined ? '' : `projections caught up ${r.settleSec.toFixed(2)} s after, `}${info.detail(r)}`,
        ),
        `speed-up: ${(perSec(last) / perSec(first)).toFixed(2)}x (target >= ${info.targetPercent / 100}x); ` +
          `rows/s are instances/s, the baseline is concurrency ${first.concurrency}`,
        ...runs.map((r) => `concurrency ${r.concurrency}: ${describeCpu(r.cpu, r.instances, r.wallSec)}`),
        ...runs.flatMap((r) =>
          r.pgCpu === undefined
            ? []
            : describePgCpu(r.pgCpu, r.instances, info.monitoredPostgres).map(
                (line) => `concurrency ${r.concurrency}: ${line}`,
              ),
        ),
        cpuCeiling(first, last),
      ],
      checks: serviceCpuChecks(runs, info.serviceCpuTargetMs),
      below: info.below,
    },
  );
  process.stdout.write(`${[...info.phases, ...runs.flatMap((r) => r.profile ?? [])].join('\n')}\n`);
  return met;
}

/** "service CPU per instance at concurrency 8: 7.12 ms (target <= 8 ms)": one per run. */
function serviceCpuChecks(runs: readonly TimedSession[], targetMs: number | undefined) {
  if (targetMs === undefined) return [];
  return runs.map((r) => {
    const ms = (1000 * r.cpu.bench!) / r.instances;
    return {
      text:
        `service CPU per instance at concurrency ${r.concurrency}, ${liveProjections ? 'projections live' : 'no projections (BENCH_PROJECTIONS=off)'}: ` +
        `${ms.toFixed(2)} ms (target <= ${targetMs} ms)`,
      met: ms <= targetMs,
    };
  });
}
