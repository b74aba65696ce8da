// What every one-off command shares: the runtime opened (attached to a running server's embedded
// database) and closed after, the commands from the composition root, and the CLI's command context.
import { InvalidArgumentError } from 'commander';
import type { CommandContext } from '../commands/commandContext.js';
import { composeCli, type CliDeps } from '../compose.js';
import { loadConfig } from '../config.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { assertStoreExists, describeStore } from './store.js';
import { cliLogger, status } from './terminal.js';

export interface RuntimeCommandOptions {
  /** Log level (default: warn, unless LOG_LEVEL asks for more than info). */
  level?: string;
  /** `migrate` creates the store when there is none; every other command refuses to. */
  mayCreateStore?: boolean;
  /** Exit after this long if closing hangs (a sync cancelled with work still stuck on a dead server). */
  closeWithinMs?: number;
}

const delay = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value), ms).unref());

/**
 * Opens the runtime for a one-off command and closes it after; `work` receives it and the commands built
 * on it. Says which store it uses (on stderr), and refuses to create one (see src/cli/store.ts).
 */
export async function withRuntime<T>(
  work: (runtime: Runtime, cli: CliDeps) => Promise<T>,
  options: RuntimeCommandOptions = {},
): Promise<T> {
  const config = loadConfig();
  const logger = cliLogger({
    level: options.level ?? (config.logLevel === 'info' ? 'warn' : config.logLevel),
    pretty: config.logPretty,
  });
  status.note(`whalefall: store ${describeStore(config)}`);
  if (!options.mayCreateStore) await assertStoreExists(config);
  const runtime = await openRuntime(config, logger, { attachToRunningServer: true });
  try {
    return await work(runtime, composeCli(runtime));
  } finally {
    const closed = runtime.close();
    if (options.closeWithinMs === undefined) await closed;
    else if (!(await Promise.race([closed.then(() => true), delay(options.closeWithinMs, false)]))) {
      status.note(`whalefall: stopping before every connection closed (waited ${options.closeWithinMs} ms)`);
      process.exit(process.exitCode ?? 0);
    }
  }
}

/** The context of a command run from the command line. */
export const cliContext = (): CommandContext => ({
  actor: { kind: 'user', id: 'cli' },
  correlationId: `cli-${Date.now()}`,
  now: new Date(),
});

export const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
};
