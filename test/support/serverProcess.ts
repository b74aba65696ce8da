// Starts the real whalefall binary as a child process, for e2e tests.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const builtCli = path.join(repoRoot, 'dist/src/cli.js');

/**
 * Builds what `npm start` runs (the server and the web console) when a source is newer than the last build:
 * the e2e project's global setup (test/support/buildSetup.ts) builds before any test file starts, so the
 * files running side by side find it current and never rebuild dist/web under a running server.
 */
let built: Promise<void> | undefined;
export const buildOnce = (): Promise<void> =>
  (built ??= promisify(execFile)(process.execPath, ['scripts/buildIfStale.mjs'], { cwd: repoRoot }).then(
    () => undefined,
  ));

export interface ServerProcess {
  child: ChildProcess;
  baseUrl: string;
  output(): string;
  /** Sends the signal and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ServerProcessOptions {
  /**
   * Its own process group, as a shell gives a command: stop() then signals the whole group, as Ctrl-C in
   * a terminal does.
   */
  detached?: boolean;
}

export async function startServerProcess(
  env: Record<string, string>,
  port: number,
  options: ServerProcessOptions = {},
): Promise<ServerProcess> {
  let output = '';
  const child = spawn(process.execPath, [builtCli, 'serve'], {
    detached: options.detached ?? false,
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOG_LEVEL: 'info',
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    const ok = await fetch(`${baseUrl}/api/v1/health/ping`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not answer within 90 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    baseUrl,
    output: () => output,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) {
        if (options.detached) process.kill(-child.pid!, signal);
        else child.kill(signal);
      }
      return exited;
    },
  };
}

/** Runs a CLI command against the same data directory; resolves with stdout. */
export async function runCli(args: string[], env: Record<string, string>): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [builtCli, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  return stdout;
}

/** One JSON call to a server process's API (`/api/v1` + path), with a bearer token when given. */
export async function callApi<T = { data: Record<string, unknown> }>(
  server: Pick<ServerProcess, 'baseUrl'>,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.baseUrl}/api/v1${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as T };
}
