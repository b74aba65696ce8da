// The built whalefall binary (or a shell pipeline around it) as a child process for one CLI command: its exit code, stdout and stderr
// as they come, to wait for a line and to send it a signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { builtCli, repoRoot } from './serverProcess.js';

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when a signal killed it). */
  exited: Promise<number | null>;
  /** Resolves when stdout (or stderr) matches, rejects after timeoutMs or when the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number, from?: 'stdout' | 'stderr'): Promise<RegExpMatchArray>;
}

/** `command` with a bare environment (PATH, HOME and `env`), from the repository root. */
export function spawnProcess(command: string, args: string[], env: Record<string, string>): CliProcess {
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let ended = false;
  void exited.then(() => (ended = true));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitFor(pattern, timeoutMs = 30_000, from = 'stdout') {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = (from === 'stdout' ? out : err).match(pattern);
        if (match) return match;
        if (ended || Date.now() > deadline)
          throw new Error(
            `${ended ? 'exited' : 'timed out'} before ${from} matched ${pattern}\nstdout:\n${out}\nstderr:\n${err}`,
          );
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

export const spawnCli = (args: string[], env: Record<string, string>): CliProcess =>
  spawnProcess(process.execPath, [builtCli, ...args], env);

/** Runs a process to its end. */
export async function runToEnd(p: CliProcess) {
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

export const runCliToEnd = (args: string[], env: Record<string, string>) => runToEnd(spawnCli(args, env));
