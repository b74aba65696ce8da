// `whalefall sync accounts` (with a progress line) and `whalefall replay --session` (the timeline).
import { makeAggregate } from '../commands/aggregate.js';
import type { CommandContext } from '../commands/streamWrites.js';
import { makeRunCapacityCollection } from '../commands/sync/collectCapacity.js';
import { makeRunAccountSync } from '../commands/sync/runAccountSync.js';
import type { SessionRunDeps } from '../commands/sync/runSession.js';
import type { PeriodType } from '../domain/periods/periods.js';
import { loadSession } from '../commands/sync/sessionExecutor.js';
import { counts } from '../domain/sessions/decider.js';
import { sessionStream } from '../domain/sessions/events.js';
import type { Runtime } from '../runtime.js';
import { formatEvent } from './eventFormat.js';

type Started = { sessionId: string; done: Promise<void> };

/** Runs a session in this process and shows its progress until every record has ended. */
async function runWithProgress(
  runtime: Runtime,
  start: (deps: SessionRunDeps, ctx: CommandContext) => Promise<Started>,
  out: NodeJS.WriteStream,
): Promise<number> {
  await runtime.secrets.reload();
  // The instance and credential tables must be current before they are read.
  for (const runner of runtime.projections.runners) await runner.catchUp();
  const deps: SessionRunDeps = {
    knex: runtime.knex,
    pool: runtime.pool,
    store: runtime.store,
    keyring: runtime.secrets.keyring,
    reloadKeyring: runtime.secrets.reload,
    logger: runtime.logger,
    sessions: runtime.sessions,
  };
  const ctx = {
    actor: { kind: 'user' as const, id: 'cli' },
    correlationId: `cli-${Date.now()}`,
    now: new Date(),
  };
  const started = await start(deps, ctx);
  out.write(`session ${started.sessionId}\n`);
  const progress = async () => {
    const { state } = await loadSession(runtime.store, started.sessionId);
    const c = counts(state);
    const inState = (status: string) => [...state.records.values()].filter((r) => r.status === status).length;
    const line = `${c.completed + c.failed + c.skipped + c.abandoned}/${c.total} ended: ${c.completed} completed, ${c.failed} failed, ${c.skipped} skipped, ${c.abandoned} abandoned, ${inState('running')} running, ${inState('retrying')} waiting to retry`;
    out.write(out.isTTY ? `\r${line}` : `${line}\n`);
    return state;
  };
  const timer = setInterval(() => void progress().catch(() => undefined), out.isTTY ? 300 : 2000);
  try {
    await started.done;
  } finally {
    clearInterval(timer);
  }
  const state = await progress();
  out.write(`\nsession ${started.sessionId}: ${state.status}\n`);
  return state.status === 'completed' ? 0 : 1;
}

const targetOf = (instanceIds: string[]) => (instanceIds.length ? { instanceIds } : ('all-active' as const));
const syncTypeOf = (instanceIds: string[]) =>
  instanceIds.length === 1 ? ('manual_single' as const) : ('manual_batch' as const);

export const syncAccounts = (
  runtime: Runtime,
  instanceIds: string[],
  out: NodeJS.WriteStream,
): Promise<number> =>
  runWithProgress(
    runtime,
    (deps, ctx) =>
      makeRunAccountSync(deps)(targetOf(instanceIds), syncTypeOf(instanceIds), ctx, {
        concurrency: runtime.config.sync.concurrency,
        deadlineMs: runtime.config.sync.instanceDeadlineMs,
      }),
    out,
  );

export const syncCapacity = (
  runtime: Runtime,
  instanceIds: string[],
  out: NodeJS.WriteStream,
): Promise<number> =>
  runWithProgress(
    runtime,
    (deps, ctx) =>
      makeRunCapacityCollection(deps, runtime.config.timezone, {
        attempts: runtime.config.capacity.attempts,
        backoffMs: runtime.config.capacity.retryBackoffMs,
      })(targetOf(instanceIds), syncTypeOf(instanceIds), ctx, {
        concurrency: runtime.config.sync.concurrency,
        deadlineMs: runtime.config.sync.instanceDeadlineMs,
      }),
    out,
  );

export async function aggregate(
  runtime: Runtime,
  options: { period: PeriodType; start?: string | undefined; current?: boolean | undefined },
  out: NodeJS.WriteStream,
): Promise<number> {
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
      timeZone: runtime.config.timezone,
    },
    ctx,
  );
  for (const runner of runtime.projections.runners) await runner.catchUp();
  out.write(
    `${result.period.type} ${result.period.start}..${result.period.end}: ${result.included.length} instance(s) aggregated${result.partial ? ' (partial)' : ''}, session ${result.sessionId}\n`,
  );
  if (result.missing.length > 0)
    out.write(`missing (no stats in the period): ${result.missing.join(', ')}\n`);
  return 0;
}

export async function replaySession(
  runtime: Runtime,
  sessionId: string,
  json: boolean,
  out: NodeJS.WriteStream,
): Promise<number> {
  const events = await runtime.store.readStream(sessionStream(sessionId));
  if (events.length === 0) {
    process.stderr.write(`sync session ${sessionId} has no events\n`);
    return 1;
  }
  for (const e of events) out.write(formatEvent(e, json) + '\n');
  return 0;
}
