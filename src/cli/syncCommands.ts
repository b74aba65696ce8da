// `whalefall sync accounts` (with a progress line) and `whalefall replay --session` (the timeline).
import { makeRunAccountSync } from '../commands/sync/runAccountSync.js';
import { loadSession } from '../commands/sync/sessionExecutor.js';
import { counts } from '../domain/sessions/decider.js';
import { sessionStream } from '../domain/sessions/events.js';
import type { Runtime } from '../runtime.js';
import { formatEvent } from './eventFormat.js';

export async function syncAccounts(
  runtime: Runtime,
  instanceIds: string[],
  out: NodeJS.WriteStream,
): Promise<number> {
  await runtime.secrets.reload();
  // The instance and credential tables must be current before they are read.
  for (const runner of runtime.projections.runners) await runner.catchUp();
  const run = makeRunAccountSync({
    knex: runtime.knex,
    pool: runtime.pool,
    store: runtime.store,
    keyring: runtime.secrets.keyring,
    reloadKeyring: runtime.secrets.reload,
    logger: runtime.logger,
  });
  const ctx = {
    actor: { kind: 'user' as const, id: 'cli' },
    correlationId: `cli-${Date.now()}`,
    now: new Date(),
  };
  const { config } = runtime;
  const started = await run(
    instanceIds.length ? { instanceIds } : 'all-active',
    instanceIds.length === 1 ? 'manual_single' : 'manual_batch',
    ctx,
    {
      concurrency: config.sync.concurrency,
      deadlineMs: config.sync.instanceDeadlineMs,
    },
  );
  out.write(`session ${started.sessionId}\n`);
  const progress = async () => {
    const { state } = await loadSession(runtime.store, started.sessionId);
    const c = counts(state);
    const running = [...state.records.values()].filter((r) => r.status === 'running').length;
    const line = `${c.completed + c.failed + c.skipped + c.abandoned}/${c.total} ended: ${c.completed} completed, ${c.failed} failed, ${c.skipped} skipped, ${c.abandoned} abandoned, ${running} running`;
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
