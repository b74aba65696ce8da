// Where the service's own CPU goes during a session: a V8 CPU profile of this process (the service: the
// session runner, the event store client, the engine drivers) taken in-process with node:inspector around
// the session, its samples summed by self time (1) per area: our source file, a package, a part of Node
// or V8 (GC, native code), and (2) per function; and (3) per our innermost function on the stack, with
// the library and native code it calls synchronously: where a phase (deciding, diffing, validating,
// encoding an append) shows with what it costs; samples under no function of ours (a socket's data
// handler, GC) stay with their area.
// BENCH_CPU_PROFILE=dir also writes the profile as <dir>/<what>.cpuprofile (Chrome DevTools, speedscope).
import { readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { findSourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOP = 15;

/** "src/adapters/eventStore/postgresAppend.ts", "pg", "zod", "node:internal/streams", "(garbage collector)". */
export function areaOf({ url, functionName }: CallFrame): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(V8 builtins)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [scope, name] = url.slice(modules + '/node_modules/'.length).split('/');
    return scope?.startsWith('@') ? `${scope}/${name}` : (scope ?? url);
  }
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  const file = url.startsWith('file:') ? fileURLToPath(url) : url;
  return file.startsWith(root) ? path.relative(root, file) : file;
}

/** The line in the source, through its source map when it has one (tsx: the code runs as one long line). */
function lineOf({ url, lineNumber, columnNumber }: CallFrame): number {
  const entry = findSourceMap(url)?.findEntry(lineNumber, columnNumber);
  return (entry && 'originalLine' in entry ? entry.originalLine : lineNumber) + 1;
}

const functionOf = (f: CallFrame) =>
  `${f.functionName || '(anonymous)'} ${areaOf(f)}${f.url ? `:${lineOf(f)}` : ''}`;
const isOurs = (f: CallFrame) => areaOf(f).startsWith('src/');

/** Microseconds of each sample: up to the next sample (the last one gets the mean). */
function sampleTimes(p: Profile): { node: number; us: number }[] {
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  const mean = samples.length ? (p.endTime - p.startTime) / samples.length : 0;
  return samples.map((node, i) => ({ node, us: i + 1 < deltas.length ? deltas[i + 1]! : mean }));
}

/**
 * Sums a profile's samples by self time per area and per function, and per our innermost function, in ms
 * per instance: each entry's share of the samples times `cpuUs`, the thread's measured CPU (samples are
 * taken on a wall clock: on a busy machine a thread waiting for a core is sampled too, where it waits).
 */
export function breakDown(p: Profile, instances: number, cpuUs?: number): string[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const area = new Map<string, number>();
  const self = new Map<string, number>();
  const owner = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, us: number) => m.set(k, (m.get(k) ?? 0) + us);
  let total = 0;
  for (const { node, us } of sampleTimes(p)) {
    const frame = byId.get(node)?.callFrame;
    if (!frame || frame.functionName === '(idle)') continue;
    total += us;
    add(area, areaOf(frame), us);
    add(self, functionOf(frame), us);
    let ours: CallFrame | undefined;
    for (let id: number | undefined = node; id !== undefined && !ours; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      if (isOurs(f)) ours = f;
    }
    add(owner, ours ? functionOf(ours) : `(not under our code) ${areaOf(frame)}`, us);
  }
  const scale = cpuUs !== undefined && total > 0 ? cpuUs / total : 1;
  const ms = (us: number) => ((scale * us) / 1000 / instances).toFixed(2).padStart(6);
  const pct = (us: number) => `${((100 * us) / (total || 1)).toFixed(1).padStart(5)} %`;
  const top = (m: Map<string, number>) =>
    [...m]
      .sort(([, a], [, b]) => b - a)
      .slice(0, TOP)
      .map(([k, us]) => `    ${ms(us)} ms/instance ${pct(us)}  ${k}`);
  return [
    `  self CPU by area (top ${TOP}; ms per instance, % of the samples):`,
    ...top(area),
    `  self CPU by function (top ${TOP}):`,
    ...top(self),
    `  by our innermost function on the stack, with the library and native code it calls (top ${TOP}):`,
    ...top(owner),
  ];
}

/** CPU microseconds of this process: user and system, and (Linux) its main thread's and its other threads'. */
interface ThreadCpu {
  user: number;
  system: number;
  main?: number;
  others?: number;
}

const TICK_US = 10_000; // USER_HZ is 100 on Linux

function threadCpu(): ThreadCpu {
  const { user, system } = process.cpuUsage();
  if (process.platform !== 'linux') return { user, system };
  let main = 0;
  let others = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const us = (Number(f[11]) + Number(f[12])) * TICK_US; // utime + stime
      if (Number(tid) === process.pid) main += us;
      else others += us;
    } catch {
      // the thread ended while we read
    }
  }
  return { user, system, main, others };
}

function describeThreads(before: ThreadCpu, after: ThreadCpu, instances: number): string {
  const ms = (a: number | undefined, b: number | undefined) =>
    (((a ?? 0) - (b ?? 0)) / 1000 / instances).toFixed(1);
  const threads =
    after.main === undefined
      ? ''
      : `; main thread ${ms(after.main, before.main)}, other threads (GC, libuv, the profiler) ${ms(after.others, before.others)}`;
  return `  service CPU ms/instance: user ${ms(after.user, before.user)}, system ${ms(after.system, before.system)}${threads}`;
}

/** Writes a profile as <dir>/<what>.<ext> (BENCH_CPU_PROFILE, BENCH_HEAP_PROFILE). */
async function save(dir: string, what: string, ext: string, profile: unknown): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${what.replace(/[^a-z0-9]+/gi, '-')}.${ext}`);
  await fs.writeFile(file, JSON.stringify(profile));
  process.stderr.write(`  profile: ${file}\n`);
}

/**
 * Profiled runs of their own (timeSession.ts), unless BENCH_CPU_PHASES=off: a measured session never runs
 * under the profiler, which samples the main thread every millisecond of wall time, busy or idle. The
 * profiled run prints its service CPU next to the measured one's, so what the profiler costs is seen.
 */
export const profiledRuns = process.env.BENCH_CPU_PHASES !== 'off';

/**
 * Reads this process's CPU by thread and, with `profiling`, profiles it; stop() ends it and answers the
 * report lines: the CPU by thread, then the breakdown. BENCH_HEAP_PROFILE=dir also samples every
 * allocation, collected or not (<what>.heapprofile): what keeps the garbage collector busy.
 */
export async function startCpuPhases(profiling: boolean) {
  const heapDir = process.env.BENCH_HEAP_PROFILE;
  const session = new Session();
  session.connect();
  if (profiling) {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  if (heapDir)
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 16384,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  const before = threadCpu();
  return {
    async stop(what: string, instances: number): Promise<string[]> {
      const after = threadCpu();
      const head = [`where the service's CPU goes, ${what}:`, describeThreads(before, after, instances)];
      if (heapDir)
        await save(heapDir, what, 'heapprofile', (await session.post('HeapProfiler.stopSampling')).profile);
      if (!profiling) {
        session.disconnect();
        return [
          ...head,
          profiledRuns ? '  (measured without the profiler)' : '  (no profile: BENCH_CPU_PHASES=off)',
        ];
      }
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      if (process.env.BENCH_CPU_PROFILE)
        await save(process.env.BENCH_CPU_PROFILE, what, 'cpuprofile', profile);
      const mainUs =
        after.main === undefined || before.main === undefined ? undefined : after.main - before.main;
      return [...head, ...breakDown(profile, instances, mainUs)];
    },
  };
}
