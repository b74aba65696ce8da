// The embedded PostgreSQL of a `serve` under test, seen from outside: its postmaster's pid (from
// <dataDir>/pg/postmaster.pid), whether it runs, and the clean-up after a test that killed `serve`.
import fs from 'node:fs/promises';
import path from 'node:path';

export async function postmasterPid(dataDir: string): Promise<number | undefined> {
  const text = await fs.readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').catch(() => undefined);
  const pid = Number(text?.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export async function postmasterRunning(dataDir: string): Promise<boolean> {
  const pid = await postmasterPid(dataDir);
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A server killed by a test leaves PostgreSQL running: stop it, then remove the data directory. */
export async function removeDataDir(dataDir: string): Promise<void> {
  const pid = await postmasterPid(dataDir);
  if (pid !== undefined) {
    try {
      process.kill(pid, 'SIGCONT'); // a test may have stopped it
      process.kill(pid, 'SIGINT');
    } catch {
      // already gone
    }
  }
  await new Promise((r) => setTimeout(r, 1000));
  await fs.rm(dataDir, { recursive: true, force: true });
}
