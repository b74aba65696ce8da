// Round trips per instance, counted at the latency proxy (latencyProxy.ts: a request the server answered,
// and one per TCP connection for its handshake), per engine: what a session costs on a network where
// every instance is far away. The proxy has one target per engine, so a run's counts for 'mysql' are
// those of its MariaDB instances.
import type { DbType } from '../src/domain/engines/model.js';
import type { FleetInstance } from './fleet.js';
import type { ProxyCounts } from './latencyProxy.js';
import type { TimedSession } from './timeSession.js';

/** Per engine of `instances`: round trips and connections per instance of that engine in the run. */
export function perInstance(
  counts: ProxyCounts,
  instances: readonly FleetInstance[],
): Record<string, { roundTrips: number; connections: number }> {
  const out: Record<string, { roundTrips: number; connections: number }> = {};
  const types = [...new Set(instances.map((i) => i.dbType))].sort();
  for (const type of types) {
    const n = instances.filter((i) => i.dbType === type).length;
    const c = counts[type] ?? { roundTrips: 0, connections: 0 };
    out[type] = { roundTrips: c.roundTrips / n, connections: c.connections / n };
  }
  return out;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/** "round trips per instance: mysql 8, postgresql 4 (connections: mysql 2, postgresql 1)". */
export function roundTripsLine(run: TimedSession, instances: readonly FleetInstance[]): string {
  if (!run.roundTrips) return 'round trips: not counted (BENCH_RTT_MS=0, no proxy)';
  const per = Object.entries(perInstance(run.roundTrips, instances));
  return (
    `round trips per instance (at the proxy, TCP handshakes included): ` +
    `${per.map(([t, p]) => `${t} ${fmt(p.roundTrips)}`).join(', ')} ` +
    `(connections: ${per.map(([t, p]) => `${t} ${fmt(p.connections)}`).join(', ')})`
  );
}

/** The round-trip targets of issue 16: the same for 50 and 500 accounts, at most this many. */
export const ROUND_TRIP_LIMIT: Partial<Record<DbType, number>> = { mysql: 10, postgresql: 6 };

/** Item errors of the run's completed records (a SHOW GRANTS that failed costs a round trip more). */
function itemErrors(run: TimedSession): { count: number; sample: string[] } {
  let count = 0;
  const sample: string[] = [];
  for (const e of run.history) {
    if (e.type !== 'InstanceSyncCompleted') continue;
    const details = (
      e.data as { details?: { itemErrors?: number; unreadAccounts?: { username: string; code: string }[] } }
    ).details;
    count += details?.itemErrors ?? 0;
    for (const u of details?.unreadAccounts ?? [])
      if (sample.length < 3) sample.push(`${u.username} ${u.code}`);
  }
  return { count, sample };
}

/** One line per engine with PASS or MISS: round trips per instance with few and with many accounts. */
export function roundTripTargets(
  few: { accounts: number; run: TimedSession; instances: readonly FleetInstance[] },
  many: { accounts: number; run: TimedSession; instances: readonly FleetInstance[] },
): { lines: string[]; met: boolean } {
  if (!few.run.roundTrips || !many.run.roundTrips)
    return { lines: ['round trips: not counted (BENCH_RTT_MS=0, no proxy)'], met: true };
  const a = perInstance(few.run.roundTrips, few.instances);
  const b = perInstance(many.run.roundTrips, many.instances);
  let met = true;
  const lines = Object.keys(a).map((type) => {
    const x = a[type]!.roundTrips;
    const y = b[type]?.roundTrips ?? NaN;
    const limit = ROUND_TRIP_LIMIT[type as DbType] ?? Infinity;
    const ok = x === y && y <= limit;
    met &&= ok;
    return (
      `round trips per ${type} instance: ${fmt(x)} with ${few.accounts} accounts, ${fmt(y)} with ` +
      `${many.accounts} (target: the same, <= ${limit})  ${ok ? 'PASS' : 'MISS'}`
    );
  });
  for (const [what, r] of [
    [`${few.accounts} accounts`, few.run],
    [`${many.accounts} accounts`, many.run],
  ] as const) {
    const errors = itemErrors(r);
    if (errors.count > 0)
      lines.push(
        `  ${what}: ${errors.count} item errors (each failed SHOW GRANTS re-sends the rest of its batch: ` +
          `accounts dropped meanwhile by others on the shared server?), e.g. ${errors.sample.join('; ')}`,
      );
  }
  return { lines, met };
}
