// The benchmarks' model of remote servers: test/support/latencyProxy.ts in a CHILD process, one port per
// target (the local MariaDB and PostgreSQL, or a blackhole that accepts and never answers), every
// direction delayed by BENCH_RTT_MS / 2 (default 20 ms round trip) and every new connection by one round
// trip (the TCP handshake). A child, so that the service's CPU (process.cpuUsage of the benchmark
// process) does not include the proxy's: the proxy reports its own. Its round trips per target are asked
// over IPC. BENCH_RTT_MS=0: no proxy, the instances point at the servers themselves.
import { fork, type ChildProcess } from 'node:child_process';
import { startLatencyProxy, type LatencyProxy } from '../test/support/latencyProxy.js';

/** The round trip time the benchmarks model, in ms (0: no proxy). */
export const RTT_MS = Math.max(0, Number(process.env.BENCH_RTT_MS ?? 20) || 0);

export type ProxyTarget = { host: string; port: number } | 'blackhole';

/** Per target: connections accepted and round trips answered so far. */
export type ProxyCounts = Record<string, { connections: number; roundTrips: number }>;

export interface BenchProxy {
  readonly rttMs: number;
  /** The proxy's port on 127.0.0.1 per target name. */
  readonly ports: Record<string, number>;
  counts(): Promise<ProxyCounts>;
  /** The proxy's own CPU (user + system) so far, ms. */
  cpuMs(): Promise<number>;
  readonly pid: number;
  close(): Promise<void>;
}

type Request = { id: number; kind: 'counts' | 'cpu' };
type Reply = { id: number; counts?: ProxyCounts; cpuMs?: number };
type Ready = { ports: Record<string, number> };

/** Forks the proxy and waits until every target has its port. */
export async function startBenchProxy(
  targets: Record<string, ProxyTarget>,
  rttMs = RTT_MS,
): Promise<BenchProxy> {
  const child: ChildProcess = fork(import.meta.filename, ['--latency-proxy-child'], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ports = await new Promise<Record<string, number>>((resolve, reject) => {
    child.once('message', (m) => resolve((m as Ready).ports));
    child.once('exit', (code) => reject(new Error(`latency proxy exited with ${code}`)));
    child.send({ targets, delayMs: rttMs / 2 });
  });
  let next = 0;
  const pending = new Map<number, (reply: Reply) => void>();
  child.on('message', (m) => {
    const reply = m as Reply;
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });
  const ask = (kind: Request['kind']) =>
    new Promise<Reply>((resolve) => {
      const id = ++next;
      pending.set(id, resolve);
      child.send({ id, kind } satisfies Request);
    });
  return {
    rttMs,
    ports,
    pid: child.pid!,
    counts: async () => (await ask('counts')).counts!,
    cpuMs: async () => (await ask('cpu')).cpuMs!,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Round trips and connections between two counts, per target. */
export function countsBetween(before: ProxyCounts, after: ProxyCounts): ProxyCounts {
  return Object.fromEntries(
    Object.entries(after).map(([name, a]) => [
      name,
      {
        connections: a.connections - (before[name]?.connections ?? 0),
        roundTrips: a.roundTrips - (before[name]?.roundTrips ?? 0),
      },
    ]),
  );
}

/** "latency proxy: X CPU ms total, Y ms/instance" for the report. */
export async function proxyCpuLine(proxy: BenchProxy, instances: number): Promise<string> {
  const ms = await proxy.cpuMs();
  return `latency proxy: ${Math.round(ms)} CPU ms total, ${(ms / Math.max(1, instances)).toFixed(2)} ms/instance`;
}

async function child(): Promise<void> {
  const config = await new Promise<{ targets: Record<string, ProxyTarget>; delayMs: number }>((resolve) =>
    process.once('message', (m) => resolve(m as { targets: Record<string, ProxyTarget>; delayMs: number })),
  );
  const proxies: Record<string, LatencyProxy> = {};
  for (const [name, target] of Object.entries(config.targets)) {
    proxies[name] =
      target === 'blackhole'
        ? await startLatencyProxy(
            { host: '127.0.0.1', port: 9 },
            { delayMs: config.delayMs, blackhole: true },
          )
        : await startLatencyProxy(target, { delayMs: config.delayMs, connectRoundTrip: true });
  }
  process.on('message', (m) => {
    const { id, kind } = m as Request;
    if (kind === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send!({ id, cpuMs: (user + system) / 1000 } satisfies Reply);
    } else {
      const counts = Object.fromEntries(
        Object.entries(proxies).map(([name, p]) => [
          name,
          { connections: p.connections, roundTrips: p.roundTrips },
        ]),
      );
      process.send!({ id, counts } satisfies Reply);
    }
  });
  // Ctrl-C reaches the whole group: the parent decides when the proxy ends (its cleanup may still need it).
  process.on('SIGINT', () => undefined);
  process.once('SIGTERM', () => process.exit(0));
  process.once('disconnect', () => process.exit(0));
  process.send!({ ports: Object.fromEntries(Object.entries(proxies).map(([n, p]) => [n, p.port])) });
}

if (process.argv.includes('--latency-proxy-child')) await child();
