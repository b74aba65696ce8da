// The whalefall processes a benchmark starts from the built CLI (`node dist/src/cli.js serve|worker`), and
// a small client of their HTTP API. buildOnce() (test/support/serverProcess.ts) first: it builds dist/ as
// `npm start` does, when a source is newer than the last build (a fresh clone has none; a stale one would
// measure older code).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { cpuBetween, sampleCpu } from './cpuUsage.js';
import type { BenchDatabase } from './support.js';

export const repoRoot = path.resolve(import.meta.dirname, '..');
export const builtCli = path.join(repoRoot, 'dist/src/cli.js');
const READY_MS = 90_000;

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A whalefall process started by the benchmark. */
export interface Child {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Its HTTP API (serve), or undefined (worker). */
  baseUrl: string | undefined;
  output(): string;
  stop(): Promise<void>;
}

export function startChild(
  name: string,
  command: 'serve' | 'worker',
  env: Record<string, string>,
  port?: number,
) {
  let output = '';
  const child = spawn(process.execPath, [builtCli, command], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...env,
      ...(port ? { PORT: String(port) } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-8000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return {
    name,
    child,
    pid: child.pid!,
    baseUrl: port ? `http://127.0.0.1:${port}/api/v1` : undefined,
    output: () => output,
    stop,
  } satisfies Child;
}

/** Waits until the process answers its health check (serve) and its heartbeat row exists. */
export async function waitReady(db: BenchDatabase, c: Child): Promise<string> {
  const deadline = Date.now() + READY_MS;
  for (;;) {
    if (c.child.exitCode !== null)
      throw new Error(`${c.name} exited with ${c.child.exitCode}:\n${c.output()}`);
    const healthy =
      !c.baseUrl ||
      (await fetch(`${c.baseUrl}/health/ready`).then(
        (r) => r.ok,
        () => false,
      ));
    if (healthy) {
      const { rows } = await db.pool
        .query<{ process_id: string }>('SELECT process_id FROM process_heartbeats WHERE pid = $1', [c.pid])
        .catch(() => ({ rows: [] as { process_id: string }[] }));
      if (rows[0]) return rows[0].process_id;
    }
    if (Date.now() > deadline)
      throw new Error(`${c.name} was not ready within ${READY_MS / 1000} s:\n${c.output()}`);
    await sleep(200);
  }
}

export interface Api {
  call<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export function apiOf(baseUrl: string, token?: string): Api {
  return {
    async call<T>(method: string, p: string, body?: unknown) {
      const res = await fetch(`${baseUrl}${p}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 500)}`);
      return (JSON.parse(text) as { data: T }).data;
    },
  };
}

/** CPU seconds of each process while nothing runs (heartbeats, pollers, projections waiting). */
export async function idleCpu(children: Child[], ms: number): Promise<string> {
  const trees = Object.fromEntries(children.map((c) => [c.name, c.pid]));
  const before = sampleCpu(trees);
  await sleep(ms);
  const d = cpuBetween(before, sampleCpu(trees));
  return children.map((c) => `${c.name} ${fmt((1000 * (d[c.name] ?? 0)) / (ms / 1000))} ms/s`).join(', ');
}

export const hasWorkerCommand = (): boolean => {
  try {
    const help = execFileSync(process.execPath, [builtCli, '--help'], { cwd: repoRoot, encoding: 'utf8' });
    return /^\s+worker\b/m.test(help);
  } catch {
    return false;
  }
};
