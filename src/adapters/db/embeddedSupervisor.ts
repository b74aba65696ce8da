// Keeps the embedded PostgreSQL of `serve` running: when its postmaster exits without being told to
// (killed, crashed), the database is marked unavailable at once (requests answer 503), the server is
// started again with a bounded number of attempts and a doubling backoff, and the caller resumes its
// work. When every attempt failed the caller is told to give up: a supervisor outside can then restart
// the whole service, which a process answering 503 forever would never get.
import type { Logger } from '../../logger.js';
import type { DatabaseMonitor } from './databaseMonitor.js';
import type { EmbeddedPostgres } from './embeddedPostgres.js';
import { describeExit, type PostmasterExit } from './postmaster.js';
import { errorMessage } from '../../domain/errors.js';

export interface EmbeddedSupervisorOptions {
  embedded: EmbeddedPostgres;
  monitor: DatabaseMonitor;
  logger: Logger;
  /** Restart attempts after an exit; 0 gives up at once. */
  attempts: number;
  /** Wait before the first attempt, doubled before each next one (at most 30 s). */
  backoffMs: number;
  /** The server is back: resume what waits on it. */
  onRestarted(): Promise<void>;
  /** It could not be restarted: the error says why, in words for the operator. */
  onGiveUp(error: Error): void;
}

const MAX_BACKOFF_MS = 30_000;

/** Starts watching; returns the stop (before an orderly shutdown stops the server). */
export function superviseEmbeddedPostgres(options: EmbeddedSupervisorOptions): () => void {
  const { embedded, monitor, logger, attempts } = options;
  let stopped = false;
  let sleeping: { timer: NodeJS.Timeout; wake(): void } | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      sleeping = { timer: setTimeout(resolve, ms), wake: resolve };
    }).finally(() => (sleeping = undefined));

  const recover = async (exit: PostmasterExit) => {
    const how = `the embedded PostgreSQL exited (${describeExit(exit)})`;
    monitor.holdDown('the embedded PostgreSQL stopped; it is being restarted', how);
    if (attempts === 0) {
      options.onGiveUp(
        new Error(`${how}, and restarting it is turned off (WHALEFALL_EMBEDDED_PG_RESTARTS=0)`),
      );
      return;
    }
    let last: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const waitMs = Math.min(options.backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
      logger.warn({ attempt, attempts, inMs: waitMs }, 'restarting the embedded PostgreSQL');
      await sleep(waitMs);
      if (stopped) return;
      monitor.holdDown(
        `the embedded PostgreSQL stopped; restart attempt ${attempt} of ${attempts} is under way`,
        how,
      );
      try {
        await embedded.restart();
      } catch (err) {
        last = err;
        logger.warn({ err, attempt, attempts }, 'the embedded PostgreSQL did not start again');
        continue;
      }
      if (stopped) return;
      monitor.release();
      await options.onRestarted();
      return;
    }
    const why = errorMessage(last);
    options.onGiveUp(
      new Error(`${how} and could not be restarted after ${attempts} attempt(s): ${why}`, { cause: last }),
    );
  };

  const unsubscribe = embedded.onUnexpectedExit((exit) => {
    recover(exit).catch((err: unknown) =>
      options.onGiveUp(err instanceof Error ? err : new Error(String(err))),
    );
  });
  return () => {
    stopped = true;
    unsubscribe();
    if (sleeping) {
      clearTimeout(sleeping.timer);
      sleeping.wake();
    }
  };
}
