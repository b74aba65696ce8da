// What the workers benchmark measures of a capacity collection: its wall time through the API, the store's
// counters over it, and what the session's events say about its records (who ran them, how long).
import { performance } from 'node:perf_hooks';
import { cpuBetween, sampleCpu, type CpuSample } from './cpuUsage.js';
import { countsBetween, type BenchProxy } from './latencyProxy.js';
import type { Api } from './serviceProcess.js';
import type { BenchDatabase } from './support.js';

export const POLL_MS = 200;
const SESSION_MS = 600_000;

const say = (line: string) => process.stderr.write(`${line}\n`);
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SessionView {
  status: string;
  total_instances: number;
  successful_instances: number;
  failed_instances: number;
  skipped_instances: number;
  abandoned_instances: number;
}

export interface Run {
  case: string;
  /** The store's counters over the run, and the proxy's connections and requests. */
  store: StoreCounters;
  connections: number;
  roundTrips: number;
  sessionId: string;
  seconds: number;
  perSec: number;
  session: SessionView;
  cpu: CpuSample;
}

/** Starts a capacity collection of `ids` and polls its session until it is no longer running. */
export async function timeCollection(
  api: Api,
  db: BenchDatabase,
  proxy: BenchProxy | undefined,
  label: string,
  ids: string[],
  cpuTrees: () => Record<string, number | undefined>,
): Promise<Run> {
  const storeBefore = await storeCounters(db);
  const proxyBefore = await proxy?.counts();
  const before = sampleCpu(cpuTrees());
  const t0 = performance.now();
  const { session_id: sessionId } = await api.call<{ session_id: string }>(
    'POST',
    '/capacity/actions/collect',
    {
      instance_ids: ids,
    },
  );
  let session: SessionView;
  for (;;) {
    session = await api.call<SessionView>('GET', `/sync-sessions/${sessionId}`);
    if (session.status !== 'running') break;
    if (performance.now() - t0 > SESSION_MS)
      throw new Error(`session ${sessionId} still running after 10 min`);
    await sleep(POLL_MS);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuBetween(before, sampleCpu(cpuTrees()));
  const counted = proxyBefore && countsBetween(proxyBefore, await proxy!.counts())['mysql'];
  const { connections, roundTrips } = counted ?? { connections: 0, roundTrips: 0 };
  const storeAfter = await storeCounters(db);
  const store = {
    eventRows: storeAfter.eventRows - storeBefore.eventRows,
    commits: storeAfter.commits - storeBefore.commits,
    rollbacks: storeAfter.rollbacks - storeBefore.rollbacks,
  };
  say(`  ${label}: ${fmt(seconds, 2)} s, ${fmt(ids.length / seconds, 1)} instances/s, ${session.status}`);
  return {
    case: label,
    sessionId,
    seconds,
    perSec: ids.length / seconds,
    session,
    cpu,
    store,
    connections,
    roundTrips,
  };
}

export interface StoreCounters {
  /** Rows of the events table read (sequential + by index). */
  eventRows: number;
  commits: number;
  /** Transactions rolled back: among them appends refused for a stale revision, checkpoint races. */
  rollbacks: number;
}

/** The bench database's counters so far (after the backends flushed their statistics). */
export async function storeCounters(db: BenchDatabase): Promise<StoreCounters> {
  await sleep(1500); // other backends flush their statistics within 1 s
  const { rows } = await db.pool.query<{ rows: string; commits: string; rollbacks: string }>(
    `SELECT (SELECT coalesce(sum(seq_tup_read), 0) + coalesce(sum(idx_tup_fetch), 0) FROM pg_stat_user_tables
              WHERE relname = 'events' OR relname LIKE 'events\\_%')::text AS rows,
            xact_commit::text AS commits, xact_rollback::text AS rollbacks
       FROM pg_stat_database WHERE datname = current_database()`,
  );
  const r = rows[0]!;
  return { eventRows: Number(r.rows), commits: Number(r.commits), rollbacks: Number(r.rollbacks) };
}

export interface RecordFacts {
  /** Records started per process id. */
  owners: Map<string, number>;
  started: number;
  completedInstances: number;
  /** Mean and 90th percentile of a record's run, InstanceSyncStarted to InstanceSyncCompleted (ms). */
  meanMs: number;
  p90Ms: number;
  /** SessionStarted to the first InstanceSyncStarted: the queue's pick-up delay (ms). */
  firstStartMs: number;
  /** The last InstanceSyncCompleted to SessionCompleted: the starter's wait poll (ms). */
  closeMs: number;
  /** Per process: its records' run time over the session's span (SessionStarted to SessionCompleted). */
  inFlight: Map<string, number>;
}

/** What the session's events say about its records (created_at: the appending transaction's start). */
export async function recordFacts(db: BenchDatabase, sessionId: string): Promise<RecordFacts> {
  const { rows } = await db.pool.query<{
    type: string;
    at: number;
    instance: string | null;
    owner: string | null;
  }>(
    `SELECT type, extract(epoch FROM created_at) * 1000 AS at, data->>'instanceId' AS instance,
            data->>'owner' AS owner
       FROM events WHERE stream_id = $1 ORDER BY global_position`,
    [`session-${sessionId}`],
  );
  const at = (type: string) => rows.filter((r) => r.type === type).map((r) => Number(r.at));
  const starts = rows.filter((r) => r.type === 'InstanceSyncStarted');
  const completed = new Map(
    rows.filter((r) => r.type === 'InstanceSyncCompleted').map((r) => [r.instance, Number(r.at)]),
  );
  const owners = new Map<string, number>();
  const busy = new Map<string, number>();
  const ms: number[] = [];
  for (const s of starts) {
    const owner = s.owner ?? '(none)';
    owners.set(owner, (owners.get(owner) ?? 0) + 1);
    const end = completed.get(s.instance);
    if (end === undefined) continue;
    ms.push(end - Number(s.at));
    busy.set(owner, (busy.get(owner) ?? 0) + end - Number(s.at));
  }
  ms.sort((a, b) => a - b);
  const sessionStart = at('SessionStarted')[0] ?? 0;
  const sessionEnd = at('SessionCompleted')[0] ?? Math.max(...completed.values());
  const span = Math.max(1, sessionEnd - sessionStart);
  return {
    owners,
    started: starts.length,
    completedInstances: completed.size,
    meanMs: ms.reduce((a, b) => a + b, 0) / Math.max(1, ms.length),
    p90Ms: ms[Math.min(ms.length - 1, Math.floor(ms.length * 0.9))] ?? 0,
    firstStartMs: Math.min(...starts.map((s) => Number(s.at))) - sessionStart,
    closeMs: sessionEnd - Math.max(...completed.values()),
    inFlight: new Map([...busy].map(([owner, total]) => [owner, total / span])),
  };
}
