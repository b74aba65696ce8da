// PostgreSQL backend CPU by who asks (issue 16). The local PostgreSQL serves both whalefall's own store
// (the benchmark's database: read models through knex, the event store through its pg.Pool) and the
// monitored PostgreSQL instances, so the postmaster's process tree (cpuUsage.ts) cannot say which of the
// two keeps it busy. On Linux this reads, over a small connection of its own, which backends there are
// (pg_stat_activity) and each one's CPU from /proc/<pid>/schedstat (ns on CPU, not 10 ms ticks), groups
// them by application_name, database and role, and differences two points like cpuBetween does.
//
// Backends come and go during a session: it samples at the start, at the end and every POLL_MS between
// (BENCH_PG_CPU_POLL_MS), and a backend that ends counts with its last value. A backend that lives
// between two polls is never seen, and one seen counts only up to its last poll; their CPU is not lost
// but not attributed: the postmaster's ended children (cutime + cstime, tick precision) minus what the
// polls saw of the backends that ended is printed as "ended between polls". A new backend costs a few ms
// of CPU to start (fork, authentication, catalog caches), so many short connections matter; a pool's
// long-lived ones are all seen. A sample costs this process about 2 ms of CPU with ~40 backends (5 a
// second: ~9 ms/s, counted in the service's CPU); BENCH_PG_CPU=off measures without the sampler.
import fs from 'node:fs';
import pg from 'pg';
import { parentPid, readStat, ticksPerSec } from './cpuUsage.js';

export const PG_CPU_GROUPS = [
  'store knex',
  'store pool',
  'monitored',
  'background',
  'other clients',
] as const;
export type PgCpuGroup = (typeof PG_CPU_GROUPS)[number];

/** The application_name of the benchmark's store connections (support.ts) and of this sampler. */
export const STORE_KNEX_APP = 'whalefall-store-knex';
export const STORE_POOL_APP = 'whalefall-store-pool';
export const SAMPLER_APP = 'whalefall-bench-pgcpu';
const POLL_MS = Number(process.env.BENCH_PG_CPU_POLL_MS ?? 200) || 200;

/** A row of pg_stat_activity. */
export interface PgBackend {
  pid: number;
  /** backend_start: with the pid, one backend (a pid can be reused). */
  start: string;
  applicationName: string;
  datname: string | null;
  usename: string | null;
  backendType: string;
  leaderPid: number | null;
}

/** Who a backend works for. */
export interface PgCpuRules {
  /** The benchmark's store database: its knex and pool connections are there. */
  storeDatabase: string;
  /** application_name of the monitored instances' connections (the PostgreSQL engine adapter's). */
  monitoredApp: string;
  /** When set, only this role's (other users of a shared server may run collectors too). */
  monitoredUser?: string;
}

/** The group of a backend; a parallel worker's is its leader's. Every other process is "background". */
export function groupOf(b: PgBackend, rules: PgCpuRules, byPid: ReadonlyMap<number, PgBackend>): PgCpuGroup {
  const leader = b.leaderPid !== null && b.leaderPid !== b.pid ? byPid.get(b.leaderPid) : undefined;
  if (leader) return groupOf(leader, rules, byPid);
  if (b.backendType !== 'client backend') return 'background';
  if (b.datname === rules.storeDatabase) {
    if (b.applicationName === STORE_KNEX_APP) return 'store knex';
    if (b.applicationName === STORE_POOL_APP) return 'store pool';
  }
  const user = rules.monitoredUser;
  if (b.applicationName === rules.monitoredApp && (user === undefined || b.usename === user))
    return 'monitored';
  return 'other clients';
}

/** Cumulative CPU at one point: each process by `pid@start` (the postmaster's own too), ns. */
export interface PgCpuSample {
  procs: Map<string, { group: PgCpuGroup; ns: number }>;
  /** CPU of the postmaster's children that ended and were waited for, ns (clock-tick precision). */
  endedNs: number;
}

/** The backends of one poll with their CPU: those whose process is gone (undefined ns) are left out. */
export function toSample(
  backends: readonly PgBackend[],
  cpuNs: (pid: number) => number | undefined,
  rules: PgCpuRules,
  postmaster: { ns: number; endedNs: number },
): PgCpuSample {
  const byPid = new Map(backends.map((b) => [b.pid, b]));
  const procs: PgCpuSample['procs'] = new Map([['postmaster', { group: 'background', ns: postmaster.ns }]]);
  for (const b of backends) {
    const ns = cpuNs(b.pid);
    if (ns !== undefined) procs.set(`${b.pid}@${b.start}`, { group: groupOf(b, rules, byPid), ns });
  }
  return { procs, endedNs: postmaster.endedNs };
}

/** `seen` with the values of `next`: the last value (and group) of every process seen so far. */
export function mergeSample(seen: PgCpuSample, next: PgCpuSample): PgCpuSample {
  return { procs: new Map([...seen.procs, ...next.procs]), endedNs: next.endedNs };
}

export interface PgCpuSplit {
  /** CPU ms per group between the two points. */
  ms: Record<PgCpuGroup, number>;
  /** CPU ms of backends that ended in between and the polls did not see (or not to their end). */
  unseenMs: number;
  /** Processes seen, and samples taken (start, polls, end). */
  processes: number;
  samples: number;
  /** The postmaster sampled, to tell whether the monitored PostgreSQL is this server. */
  postmaster?: number;
  /** This process's CPU ms in the sampler's /proc reads (a cost of the measurement, not of the service). */
  samplerMs?: number;
}

/**
 * CPU ms per group from `start` to `end`; `seen` merges every sample between them (mergeSample), so
 * that a backend that ended meanwhile counts with its last value. A backend born meanwhile counts from 0.
 */
export function pgCpuBetween(start: PgCpuSample, seen: PgCpuSample, end: PgCpuSample): PgCpuSplit {
  const ms = Object.fromEntries(PG_CPU_GROUPS.map((g) => [g, 0])) as Record<PgCpuGroup, number>;
  let endedSeenNs = 0;
  for (const [key, { group, ns }] of seen.procs) {
    ms[group] += (ns - (start.procs.get(key)?.ns ?? 0)) / 1e6;
    if (!end.procs.has(key)) endedSeenNs += ns;
  }
  const unseenMs = Math.max(0, (end.endedNs - start.endedNs - endedSeenNs) / 1e6);
  return { ms, unseenMs, processes: seen.procs.size, samples: 0 };
}

/** The first field of /proc/<pid>/schedstat: ns on CPU; undefined once the process has ended. */
export function schedNs(pid: number): number | undefined {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

const activitySql = `SELECT pid, backend_start::text AS start, coalesce(application_name, '') AS "applicationName",
  datname, usename, coalesce(backend_type, '') AS "backendType", leader_pid AS "leaderPid"
  FROM pg_stat_activity`;

/** A measurement between startPgCpu() and stop(): the split, or why there is none. */
export interface PgCpuWindow {
  stop(): Promise<PgCpuSplit | string>;
}

const none = (why: string): PgCpuWindow => ({ stop: () => Promise.resolve(why) });

/** Starts sampling the backends of the server at `url` (through one of its databases) until stop(). */
export async function startPgCpu(url: string, rules: PgCpuRules, pollMs = POLL_MS): Promise<PgCpuWindow> {
  if (process.platform !== 'linux') return none('not measured (needs Linux /proc)');
  if (process.env.BENCH_PG_CPU === 'off') return none('not measured (BENCH_PG_CPU=off)');
  const client = new pg.Client({ connectionString: url, application_name: SAMPLER_APP });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const postmaster = parentPid(rows[0]!.pid, 'postgres');
    if (postmaster === undefined) {
      await client.end();
      return none('not measured (the PostgreSQL server is not a process on this machine)');
    }
    // The sampler runs in the service's process: the CPU of its /proc reads (the most of a sample's cost,
    // the query's rows being few) is counted, so that timeSession moves it out of the service's figure.
    let samplerUs = 0;
    const read = async () => {
      const backends = (await client.query<PgBackend>(activitySql)).rows;
      const before = process.cpuUsage();
      try {
        const stat = readStat(postmaster);
        const ns = schedNs(postmaster);
        if (!stat || ns === undefined) throw new Error('the postmaster has ended');
        const endedNs = (1e9 * stat.childTicks) / ticksPerSec;
        return toSample(backends, schedNs, rules, { ns, endedNs });
      } finally {
        const used = process.cpuUsage(before);
        samplerUs += used.user + used.system;
      }
    };
    const start = await read();
    let seen = start;
    let samples = 1;
    let polling: Promise<void> | undefined;
    const timer = setInterval(() => {
      polling ??= read()
        .then((s) => void ((seen = mergeSample(seen, s)), samples++))
        .catch(() => undefined)
        .finally(() => (polling = undefined));
    }, pollMs);
    timer.unref();
    return {
      async stop() {
        clearInterval(timer);
        await polling;
        try {
          const end = await read();
          const split = pgCpuBetween(start, mergeSample(seen, end), end);
          return { ...split, samples: samples + 1, postmaster, samplerMs: samplerUs / 1000 };
        } catch (err) {
          return `not measured (${(err as Error).message})`;
        } finally {
          await client.end().catch(() => undefined);
        }
      },
    };
  } catch (err) {
    await client.end().catch(() => undefined);
    return none(`not measured (${(err as Error).message})`);
  }
}

/**
 * The split per instance and its one-line reading. `monitoredPostmaster`: the monitored PostgreSQL's,
 * when it runs here (another server's backends are not in this split).
 */
export function describePgCpu(
  split: PgCpuSplit | string,
  instances: number,
  monitoredPostmaster?: number,
): string[] {
  if (typeof split === 'string') return [`PostgreSQL CPU split by who asks: ${split}`];
  const per = (ms: number) => ms / instances;
  const total = per(Object.values(split.ms).reduce((a, b) => a + b, 0) + split.unseenMs);
  const store = per(split.ms['store knex'] + split.ms['store pool']);
  const elsewhere =
    monitoredPostmaster !== undefined && monitoredPostmaster !== split.postmaster
      ? '; the monitored PostgreSQL is another server, not in this split'
      : '';
  return [
    `PostgreSQL CPU ms/instance by who asks (${split.processes} processes, ${split.samples} samples): ` +
      `${PG_CPU_GROUPS.map((g) => `${g} ${per(split.ms[g]).toFixed(1)}`).join(', ')}, ` +
      `ended between polls ${per(split.unseenMs).toFixed(1)}${elsewhere}`,
    `PostgreSQL reading: of ${total.toFixed(1)} ms PostgreSQL CPU per instance, ${store.toFixed(1)} ms serve ` +
      `whalefall's own store (knex ${per(split.ms['store knex']).toFixed(1)} + pool ${per(split.ms['store pool']).toFixed(1)}), ` +
      `${per(split.ms.monitored).toFixed(1)} ms the monitored instances`,
  ];
}
