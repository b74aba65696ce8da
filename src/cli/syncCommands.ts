// `whalefall sync accounts|capacity` (progress with instance names; Ctrl-C cancels the session it
// started) and `whalefall replay --session` (the timeline).
import { describeOutcome, makeAggregate } from '../commands/aggregate.js';
import type { CommandContext } from '../commands/commandContext.js';
import { makeRunCapacityCollection } from '../commands/sync/collectCapacity.js';
import { makeCancelSession } from '../commands/sync/compensations.js';
import { makeRunAccountSync } from '../commands/sync/runAccountSync.js';
import type { SessionRunDeps } from '../commands/sync/runSession.js';
import { isAggregationScope } from '../domain/aggregation/events.js';
import { AppError } from '../domain/errors.js';
import type { PeriodType } from '../domain/periods/periods.js';
import { loadSession } from '../commands/sync/sessionWriter.js';
import { sessionTimeline } from '../commands/sync/sessionTimeline.js';
import type { Runtime } from '../runtime.js';
import { CliError } from './cliError.js';
import { formatEvent } from './eventFormat.js';
import { resolveInstances } from './instanceRefs.js';
import { endedLine, newlyEnded, recordViews, statusLine } from './sessionProgress.js';
import { status } from './terminal.js';

type Started = { sessionId: string; done: Promise<void> };
type Target = { instanceIds: string[] } | 'all-active';

const exitCodeOf = (signal: NodeJS.Signals) => (signal === 'SIGINT' ? 130 : 143);

/**
 * The first SIGINT/SIGTERM after `arm()` resolves `signalled` (the session is then cancelled); a second
 * one exits at once.
 */
function interruptions() {
  let resolve: (signal: NodeJS.Signals) => void = () => undefined;
  const signalled = new Promise<NodeJS.Signals>((r) => (resolve = r));
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) process.exit(exitCodeOf(signal));
    received = signal;
    resolve(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signalled,
    disarm: () => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    },
  };
}

/**
 * Runs a session in this process and shows its progress until every record has ended, or until Ctrl-C:
 * then the session is cancelled (its open records are abandoned) and the summary printed; exit code 130.
 */
async function runWithProgress(
  runtime: Runtime,
  instanceRefs: readonly string[],
  start: (deps: SessionRunDeps, target: Target, ctx: CommandContext) => Promise<Started>,
  out: NodeJS.WriteStream,
): Promise<number> {
  await runtime.keyring.reload();
  // The instance and credential tables must be current before they are read.
  for (const runner of runtime.projections.runners) await runner.catchUp();
  const instances = await resolveInstances(runtime.knex, instanceRefs);
  if (instanceRefs.length === 0) {
    const active = await runtime
      .knex('instances')
      .whereNull('deleted_at')
      .where('is_active', true)
      .first<{ id: string } | undefined>('id');
    if (!active) throw new CliError('no active instance to sync: register one first', 1);
  }
  const target: Target = instances.length ? { instanceIds: instances.map((i) => i.id) } : 'all-active';
  const deps: SessionRunDeps = {
    knex: runtime.knex,
    pool: runtime.pool,
    store: runtime.store,
    keyring: runtime.keyring.current,
    reloadKeyring: runtime.keyring.reload,
    logger: runtime.logger,
    sessions: runtime.sessions,
  };
  const ctx = {
    actor: { kind: 'user' as const, id: 'cli' },
    correlationId: `cli-${Date.now()}`,
    now: new Date(),
  };
  const signals = interruptions();
  try {
    const started = await start(deps, target, ctx);
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
    if (signal) await cancel(runtime, started.sessionId, signal, ctx);
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
async function cancel(runtime: Runtime, sessionId: string, signal: NodeJS.Signals, ctx: CommandContext) {
  status.note(`${signal}: cancelling session ${sessionId} (again to stop at once)`);
  try {
    await makeCancelSession({ store: runtime.store })(
      sessionId,
      `cancelled from the command line (${signal})`,
      { ...ctx, now: new Date() },
    );
  } catch (err) {
    // The session ended meanwhile: nothing is left to cancel.
    if (!(err instanceof AppError && err.code === 'CONSTRAINT_VIOLATION')) throw err;
    status.note(`session ${sessionId} had already ended: ${err.message}`);
  }
}

const syncTypeOf = (target: Target) =>
  target !== 'all-active' && target.instanceIds.length === 1
    ? ('manual_single' as const)
    : ('manual_batch' as const);

export const syncAccounts = (
  runtime: Runtime,
  instanceRefs: readonly string[],
  out: NodeJS.WriteStream,
): Promise<number> =>
  runWithProgress(
    runtime,
    instanceRefs,
    (deps, target, ctx) =>
      makeRunAccountSync(deps, runtime.config.inventory)(target, syncTypeOf(target), ctx, {
        concurrency: runtime.config.sync.concurrency,
        deadlineMs: runtime.config.sync.instanceDeadlineMs,
      }),
    out,
  );

export const syncCapacity = (
  runtime: Runtime,
  instanceRefs: readonly string[],
  out: NodeJS.WriteStream,
): Promise<number> =>
  runWithProgress(
    runtime,
    instanceRefs,
    (deps, target, ctx) =>
      makeRunCapacityCollection(deps, runtime.config.timezone, {
        attempts: runtime.config.capacity.attempts,
        backoffMs: runtime.config.capacity.retryBackoffMs,
      })(target, syncTypeOf(target), ctx, {
        concurrency: runtime.config.sync.concurrency,
        deadlineMs: runtime.config.sync.instanceDeadlineMs,
      }),
    out,
  );

export async function aggregate(
  runtime: Runtime,
  options: {
    period: PeriodType;
    start?: string | undefined;
    current?: boolean | undefined;
    scope?: string | undefined;
  },
  out: NodeJS.WriteStream,
): Promise<number> {
  const { scope } = options;
  if (scope !== undefined && !isAggregationScope(scope))
    throw new AppError('VALIDATION_ERROR', `--scope ${scope}: expected all, instance or database`, {
      field: 'scope',
    });
  for (const runner of runtime.projections.runners) await runner.catchUp();
  const ctx = {
    actor: { kind: 'user' as const, id: 'cli' },
    correlationId: `cli-${Date.now()}`,
    now: new Date(),
  };
  const result = await makeAggregate({
    knex: runtime.knex,
    store: runtime.store,
    sessions: runtime.sessions,
    deadlineMs: runtime.config.sync.instanceDeadlineMs,
  })(
    {
      periodType: options.period,
      periodStart: options.start,
      current: options.current,
      scope,
      timeZone: runtime.config.timezone,
    },
    ctx,
  );
  for (const runner of runtime.projections.runners) await runner.catchUp();
  out.write(`${describeOutcome(result)}, session ${result.sessionId}\n`);
  if (result.missing.length > 0)
    out.write(`missing (no stats in the period): ${result.missing.join(', ')}\n`);
  return 0;
}

/** The session's timeline (its own stream and what it caused elsewhere) in commit order, with instance names. */
export async function replaySession(
  runtime: Pick<Runtime, 'store'>,
  sessionId: string,
  json: boolean,
  out: Pick<NodeJS.WritableStream, 'write'>,
): Promise<number> {
  const timeline = await sessionTimeline(runtime.store, sessionId);
  if (!timeline) {
    process.stderr.write(`sync session ${sessionId} has no events\n`);
    return 1;
  }
  for (const { event, ...instance } of timeline) out.write(formatEvent(event, json, instance) + '\n');
  return 0;
}
