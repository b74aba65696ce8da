// `whalefall sync accounts|capacity` and `whalefall classify`: a session run in this process, its progress with instance names;
// Ctrl-C cancels the session it started.
import type { CommandContext } from '../commands/commandContext.js';
import type { Target } from '../commands/sync/runSession.js';
import { loadSession } from '../commands/sync/sessionWriter.js';
import type { CliDeps, Commands } from '../compose.js';
import { AppError } from '../domain/errors.js';
import type { Runtime } from '../runtime.js';
import { CliError } from './cliError.js';
import { resolveInstances } from './instanceRefs.js';
import { endedLine, newlyEnded, recordViews, statusLine } from './sessionProgress.js';
import { exitCodeOf, interruptions } from './signals.js';
import { status } from './terminal.js';
import { cliContext } from './withRuntime.js';

/** The session runs `whalefall sync` starts, by subcommand. */
export const sessionRuns = {
  accounts: (commands: Commands) => commands.runAccountSync,
  capacity: (commands: Commands) => commands.runCapacityCollection,
  classify: (commands: Commands) => commands.runClassification,
};

const syncTypeOf = (target: Target) =>
  target !== 'all-active' && target.instanceIds.length === 1
    ? ('manual_single' as const)
    : ('manual_batch' as const);

/**
 * Runs a session of the instances named (every active one when none is) in this process and shows its
 * progress until every record has ended, or until Ctrl-C: then the session is cancelled (its open records
 * are abandoned) and the summary printed; exit code 130. Instances resolve on the write side: no projection
 * needs to catch up first.
 */
export async function syncInstances(
  runtime: Pick<Runtime, 'config' | 'store' | 'keyring'>,
  { commands, instances }: CliDeps,
  kind: keyof typeof sessionRuns,
  instanceRefs: readonly string[],
  out: NodeJS.WriteStream,
): Promise<number> {
  await runtime.keyring.reload();
  const named = await resolveInstances(instances, instanceRefs);
  if (instanceRefs.length === 0 && (await instances.active()).length === 0)
    throw new CliError('no active instance to sync: register one first', 1);
  const target: Target = named.length ? { instanceIds: named.map((i) => i.id) } : 'all-active';
  const ctx = cliContext();
  const signals = interruptions();
  try {
    const started = await sessionRuns[kind](commands)(target, syncTypeOf(target), ctx, {
      concurrency: runtime.config.sync.concurrency,
      deadlineMs: runtime.config.sync.instanceDeadlineMs,
    });
    out.write(`session ${started.sessionId}\n`);
    const reported = new Set<string>();
    let finished = false;
    const progress = async (final = false) => {
      const { state, history } = await loadSession(runtime.store, started.sessionId);
      if (finished) return state; // a late poll: the summary is out
      finished = final;
      const records = recordViews(history, state);
      for (const r of newlyEnded(records, reported)) status.line(endedLine(r));
      status.show(statusLine(state, records));
      return state;
    };
    const timer = setInterval(() => void progress().catch(() => undefined), out.isTTY ? 300 : 2000);
    let signal: NodeJS.Signals | undefined;
    try {
      signal = await Promise.race([started.done.then(() => undefined), signals.signalled]);
    } finally {
      clearInterval(timer);
    }
    if (signal) await cancel(commands, started.sessionId, signal, ctx);
    const state = await progress(true);
    status.end();
    out.write(`session ${started.sessionId}: ${state.status}\n`);
    if (signal) return exitCodeOf(signal);
    return state.status === 'completed' ? 0 : 1;
  } finally {
    signals.disarm();
  }
}

/** Cancels the session: its records still open end abandoned at once (the work left behind is dropped). */
async function cancel(
  { cancelSession }: Pick<Commands, 'cancelSession'>,
  sessionId: string,
  signal: NodeJS.Signals,
  ctx: CommandContext,
) {
  status.note(`${signal}: cancelling session ${sessionId} (again to stop at once)`);
  try {
    await cancelSession(sessionId, `cancelled from the command line (${signal})`, {
      ...ctx,
      now: new Date(),
    });
  } catch (err) {
    // The session ended meanwhile: nothing is left to cancel.
    if (!(err instanceof AppError && err.code === 'CONSTRAINT_VIOLATION')) throw err;
    status.note(`session ${sessionId} had already ended: ${err.message}`);
  }
}
