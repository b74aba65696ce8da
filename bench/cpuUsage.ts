// CPU time by process while a session runs: more concurrency cannot help once every core is busy, and
// this says who keeps them busy. On Linux from /proc: this process, its descendants (the embedded store),
// the monitored servers when they run on this machine, and the rest of the machine (other users); elsewhere
// only this process and the machine.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

export type CpuSample = Record<string, number>;

/** Clock ticks per second of /proc/<pid>/stat's CPU fields. */
export const ticksPerSec = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** A process's /proc/<pid>/stat: its CPU in clock ticks, its own and that of its children it waited for. */
export interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime. */
  ownTicks: number;
  /** cutime + cstime: children that ended and were waited for (a postmaster's ended backends). */
  childTicks: number;
}

/** /proc/<pid>/stat, or undefined once the process has ended. */
export function readStat(pid: number): ProcStat | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const f = stat.slice(close + 2).split(' '); // f[0] is field 3 (state)
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const ticks = (from: number) => Number(f[from]) + Number(f[from + 1]);
    return { pid, ppid: Number(f[1]), comm, ownTicks: ticks(11), childTicks: ticks(13) };
  } catch {
    return undefined; // ended while we read
  }
}

interface Proc {
  pid: number;
  ppid: number;
  comm: string;
  /** Its own CPU seconds and those of its children that ended (and were waited for). */
  sec: number;
}

function readProcs(): Proc[] {
  const out: Proc[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const { pid, ppid, comm } = stat;
    out.push({ pid, ppid, comm, sec: (stat.ownTicks + stat.childTicks) / ticksPerSec });
  }
  return out;
}

const machineBusySec = () =>
  os.cpus().reduce((sum, { times: t }) => sum + t.user + t.nice + t.sys + t.irq, 0) / 1000;

/**
 * Cumulative CPU seconds per group, for cpuBetween(): the machine, this process, its descendants (the
 * embedded store), and each process tree of `trees` (name -> root pid, e.g. a monitored server).
 */
export function sampleCpu(trees: Record<string, number | undefined> = {}): CpuSample {
  const own = process.cpuUsage();
  const sample: CpuSample = { machine: machineBusySec(), bench: (own.user + own.system) / 1e6 };
  if (process.platform !== 'linux') return sample;
  const procs = readProcs();
  const children = new Map<number, Proc[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  // A tree named in `trees` (e.g. the latency proxy, a child of this process) is counted on its own only.
  const named = new Set(Object.values(trees));
  const tree = (pid: number): number =>
    (children.get(pid) ?? []).reduce((sum, c) => sum + (named.has(c.pid) ? 0 : c.sec + tree(c.pid)), 0);
  sample['whalefall store'] = tree(process.pid);
  for (const [name, pid] of Object.entries(trees)) {
    const root = procs.find((p) => p.pid === pid);
    if (root) sample[name] = root.sec + tree(root.pid);
  }
  return sample;
}

/** The pid of the local process named `comm` (e.g. mariadbd), when there is exactly one. */
export function localServerPid(...comms: string[]): number | undefined {
  if (process.platform !== 'linux') return undefined;
  const found = readProcs().filter((p) => comms.includes(p.comm));
  return found.length === 1 ? found[0]!.pid : undefined;
}

/** The parent of a local process named `comm` (a PostgreSQL backend's is its postmaster). */
export function parentPid(pid: number, comm: string): number | undefined {
  if (process.platform !== 'linux') return undefined;
  const procs = readProcs();
  const child = procs.find((p) => p.pid === pid && p.comm === comm);
  return procs.find((p) => p.pid === child?.ppid && p.comm === comm)?.pid;
}

/** CPU seconds per group between two samples, with what the groups leave of the machine's as `rest`. */
export function cpuBetween(before: CpuSample, after: CpuSample): CpuSample {
  const delta: CpuSample = {};
  for (const k of Object.keys(after)) delta[k] = after[k]! - (before[k] ?? 0);
  const groups = Object.keys(delta).filter((k) => k !== 'machine');
  delta.rest = delta.machine! - groups.reduce((sum, k) => sum + delta[k]!, 0);
  return delta;
}

/** CPU seconds of the benchmark's own processes (this one, its store, the monitored servers). */
export const ownCpuSec = (delta: CpuSample): number => delta.machine! - delta.rest!;

/**
 * The rate the CPU allows: if the benchmark's processes had every core to themselves, the CPU they used per
 * instance in `cpu` would allow at most this many instances/s; printed with its multiple of the baseline's.
 */
export function cpuCeilingLine(
  cpu: CpuSample,
  instances: number,
  baselinePerSec: number,
  baseline: string,
): string {
  const cores = os.availableParallelism();
  const msPerInstance = (1000 * ownCpuSec(cpu)) / instances;
  const perSec = (1000 * cores) / msPerInstance;
  const groups = Object.keys(cpu).filter((k) => !['machine', 'rest'].includes(k));
  return (
    `CPU ceiling: ${cores} cores / ${msPerInstance.toFixed(1)} CPU ms/instance of this benchmark's processes on ` +
    `this machine (${groups.join(', ')}) = at most ${perSec.toFixed(1)} instances/s, ` +
    `${(perSec / baselinePerSec).toFixed(2)}x ${baseline}`
  );
}

/** "bench 12.1, whalefall store 8.0, ..., rest 3.2 CPU ms/instance; 1.95 of 2 cores busy". */
export function describeCpu(delta: CpuSample, instances: number, wallSec: number): string {
  const groups = Object.keys(delta).filter((k) => k !== 'machine');
  const ms = (sec: number) => ((1000 * sec) / instances).toFixed(1);
  return (
    `CPU ms/instance: ${groups.map((k) => `${k === 'rest' ? 'rest of the machine' : k} ${ms(delta[k]!)}`).join(', ')}; ` +
    `${(delta.machine! / wallSec).toFixed(2)} of ${os.availableParallelism()} cores busy`
  );
}
