// What every long-running process (`serve`, `whalefall worker`) runs beside its work: a pass on a timer, and
// the recovery of the sync records of processes that stopped (with this process's heartbeat, so the others
// know it is alive). One place, so serve and worker recover alike.
import type { Commands } from './compose.js';
import type { Runtime } from './runtime.js';

/** Runs `pass` every `intervalMs` (a failure is logged; the next tick tries again); returns the stop. */
export function every(
  intervalMs: number,
  pass: () => Promise<unknown>,
  onError: (err: unknown) => void,
): () => void {
  const timer = setInterval(() => {
    pass().catch(onError);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Ends the sync records of processes that stopped: once at start (at once: it reads the session streams
 * and the heartbeats, no projection) and then on a timer. This process beats from now on, so the others
 * know it is alive. Returns a function that stops the timer.
 */
export async function startRecovery(
  runtime: Pick<Runtime, 'config' | 'logger' | 'sessions'>,
  commands: Pick<Commands, 'abandonExpiredRecords'>,
): Promise<() => void> {
  const { config, logger } = runtime;
  const pass = async () => {
    await commands.abandonExpiredRecords(new Date());
  };
  try {
    await runtime.sessions.start();
    await pass();
  } catch (err) {
    logger.error({ err }, 'the start-up recovery pass failed; the timer will try again');
  }
  return every(config.sync.recoveryIntervalMs, pass, (err) => logger.error({ err }, 'recovery pass failed'));
}
