// A sync session over many instances: bounded concurrency, one advisory lock per instance and category (two
// syncs of one instance never interleave: the second is skipped with its reason), and every record ends:
// completed, failed (with the phase it reached and its code) or skipped. The attempts of a record (deadline,
// fence, in-run retries) are recordRunner's; the work per instance is the caller's. The session and its
// attempts are registered with this process (ProcessSessions), whose heartbeat tells recovery it is alive.
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Knex } from 'knex';
import pLimit from 'p-limit';
import type pg from 'pg';
import type { createEngineAdapter } from '../../adapters/engines/index.js';
import type { EngineAdapter, EngineOptions } from '../../adapters/engines/port.js';
import type { EventStore } from '../../adapters/eventStore/port.js';
import type { Keyring } from '../../adapters/keyring/keyring.js';
import { notFound } from '../../domain/errors.js';
import type { Position } from '../../domain/events/envelope.js';
import type { sessionCategories, syncTypes } from '../../domain/sessions/events.js';
import type { Logger } from '../../logger.js';
import type { CommandContext } from '../commandContext.js';
import { directoryOf, type InstanceDirectory, type InstanceTarget } from '../connections.js';
import { onEngine, type AttemptWork, type InstanceWork, type WorkPhase } from './attempt.js';
import { InstanceLocks } from './instanceLocks.js';
import { closeSessionIfEnded, openSession } from './openSessions.js';
import type { ProcessSessions } from './processSessions.js';
import { logOutcomeNotRecorded, runInstanceAttempt } from './recordRunner.js';
import { SessionWriter } from './sessionWriter.js';
import { awaitRecordsEnded, type RecordDispatch } from './recordDispatch.js';

export { leaseFor } from './recordRunner.js';
export type { InstanceWork } from './attempt.js';

export interface SessionRunDeps {
  knex: Knex;
  pool: pg.Pool;
  store: EventStore;
  keyring: () => Keyring;
  reloadKeyring?: () => Promise<void>;
  logger: Logger;
  engineOptions?: EngineOptions;
  /**
   * This process's runs and heartbeat: records then name their owner, and stop() ends them. Without it
   * (tests, benchmarks) records carry no owner, and only their lease tells recovery they are orphaned.
   */
  sessions?: ProcessSessions;
  /** Where the instances and their credentials are read from; default: their streams (instanceDirectory). */
  instances?: InstanceDirectory;
  /** Tests: replace the engine adapter (e.g. to make a phase fail). */
  adapterFor?: (instance: InstanceTarget, params: Parameters<typeof createEngineAdapter>[0]) => EngineAdapter;
  /**
   * Records of the categories it names go to the shared records queue, for any process to run
   * (recordDispatch.ts); without it (or for other categories) this process runs them all.
   */
  dispatch?: RecordDispatch;
}

export interface RunOptions {
  concurrency?: number;
  deadlineMs?: number;
  /** Attempts per instance within the run (the first included); default 1. */
  attempts?: number;
  /** Backoff before the second attempt, doubled after each failure. */
  backoffMs?: number;
  /** The new session's id, when the caller must name it before it starts (a run that follows another). */
  sessionId?: string;
}

export interface StartedSession {
  sessionId: string;
  position: Position | undefined;
  /** Resolves when every record has ended. */
  done: Promise<void>;
}

/**
 * The instances of a session: given ones (refused with RESOURCE_NOT_FOUND when one is unknown, or deleted
 * unless `includeDeleted`: a work that decides itself what a deleted instance allows), or every active one.
 */
export type Target = { instanceIds: readonly string[]; includeDeleted?: boolean } | 'all-active';

export const DEFAULT_DEADLINE_MS = 5 * 60_000;

async function resolveTarget(instances: InstanceDirectory, target: Target): Promise<InstanceTarget[]> {
  if (target === 'all-active') return instances.active();
  if (!target.includeDeleted) return instances.existing(target.instanceIds);
  const limit = pLimit(16); // as many stream reads at once as the directory's own
  return Promise.all(
    target.instanceIds.map((id) =>
      limit(async () => {
        const instance = await instances.get(id);
        if (!instance) throw notFound('instance', id);
        return instance;
      }),
    ),
  );
}

/** The advisory lock key of a category's syncs of one instance (shared by every process). */
export const syncLockKey = (category: string, instanceId: string): string => `${category}-sync:${instanceId}`;

/** Runs `body` as a run of this process when the process tracks its runs, else as it is. */
export const asRun = <T>(
  sessions: ProcessSessions | undefined,
  run: Parameters<ProcessSessions['run']>[0],
  body: (signal: AbortSignal) => Promise<T>,
): Promise<T> => (sessions ? sessions.run(run, body) : body(untrackedSignal()));

/** A signal nobody aborts; every attempt listens to it, so no leak warning at a concurrency above 10. */
function untrackedSignal(): AbortSignal {
  const { signal } = new AbortController();
  setMaxListeners(0, signal);
  return signal;
}

/**
 * Starts `body` as a run and resolves once it calls `ready`, with what it handed over and `done`, the rest of
 * the run (in the background). A failure before `ready` (refused, store down) rejects: it is the caller's.
 */
export async function startRun<R, T>(
  sessions: ProcessSessions | undefined,
  run: Parameters<ProcessSessions['run']>[0],
  body: (signal: AbortSignal, ready: (started: R) => void) => Promise<T>,
): Promise<{ started: R; done: Promise<T> }> {
  let ready!: { resolve: (started: R) => void; reject: (err: unknown) => void };
  const started = new Promise<R>((resolve, reject) => (ready = { resolve, reject }));
  const done = asRun(sessions, run, (signal) => body(signal, ready.resolve));
  done.then(() => ready.reject(new Error('the run ended before it started')), ready.reject);
  return { started: await started, done };
}

/** What a session runs for each instance: the attempt, and the phase a deadline reports until it gets further. */
export interface SessionWork {
  attemptFor: (target: { instance: InstanceTarget; sessionId: string; ctx: CommandContext }) => AttemptWork;
  startPhase: WorkPhase;
  /**
   * 'skip' (default): a record whose instance another run of the category holds is skipped, with the
   * reason. 'none': no lock: the work's own appends, each with its expected revision, keep concurrent runs
   * apart (tags: the second of two runs decides on the state the first left).
   */
  instanceLock?: 'skip' | 'none';
}

/** An engine work as a session's: the instance's adapter is opened for each attempt. */
export const engineSessionWork = (deps: SessionRunDeps, work: InstanceWork): SessionWork => ({
  attemptFor: (target) => onEngine(deps, target, work),
  startPhase: 'connect',
});

/** The sessions of one category: its work per instance, and the run options it defaults to. */
export function makeCategoryRun(
  deps: SessionRunDeps,
  category: (typeof sessionCategories)[number],
  work: InstanceWork | SessionWork,
  defaults: RunOptions = {},
) {
  const run = makeRunSession(deps);
  const session: SessionWork = typeof work === 'function' ? engineSessionWork(deps, work) : work;
  return (
    target: Target,
    syncType: (typeof syncTypes)[number],
    ctx: CommandContext,
    options: RunOptions = {},
  ): Promise<StartedSession> =>
    run(target, { category, syncType, ...session }, ctx, { ...defaults, ...options });
}

export function makeRunSession(deps: SessionRunDeps) {
  return async (
    target: Target,
    session: SessionWork & {
      category: (typeof sessionCategories)[number];
      syncType: (typeof syncTypes)[number];
    },
    ctx: CommandContext,
    options: RunOptions = {},
  ): Promise<StartedSession> => {
    const concurrency = options.concurrency ?? 8;
    const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    const attempts = Math.max(1, options.attempts ?? 1);
    const rows = await resolveTarget(directoryOf(deps), target);
    const sessionId = options.sessionId ?? randomUUID();
    const writer = new SessionWriter(deps.store, sessionId, ctx);
    const owner = deps.sessions?.id;
    const { logger } = deps;

    const runOne = async (row: InstanceTarget, locks: InstanceLocks, signal: AbortSignal) => {
      if (signal.aborted) return; // stopping: stop() abandoned the pending records
      const unlock =
        session.instanceLock === 'none'
          ? () => Promise.resolve()
          : await locks.tryLock(syncLockKey(session.category, row.id));
      if (!unlock) {
        const reason = `another ${session.category} sync of this instance is running`;
        await writer.execute({ type: 'SkipRecord', instanceId: row.id, reason });
        return;
      }
      try {
        const { done } = await runInstanceAttempt(deps, {
          writer,
          instanceId: row.id,
          category: session.category,
          work: session.attemptFor({ instance: row, sessionId, ctx }),
          open: (opening) => [{ type: 'StartRecord', instanceId: row.id, ...opening }],
          deadlineMs,
          attempts,
          backoffMs: options.backoffMs ?? 1000,
          startPhase: session.startPhase,
          owner,
          signal,
        });
        await done;
      } finally {
        await unlock();
      }
    };

    // Registered before its first event, so recovery never mistakes it for a session nobody runs.
    const { started, done } = await startRun<Position | undefined, void>(
      deps.sessions,
      { sessionId, writer, scope: 'all' },
      async (signal, ready) => {
        await openSession(deps.knex, sessionId);
        const opened = await writer.execute({
          type: 'StartSession',
          category: session.category,
          syncType: session.syncType,
          instances: rows.map((r) => ({ instanceId: r.id, instanceName: r.name })),
          ...(owner ? { owner } : {}),
        });
        ready(opened.position);
        if (deps.dispatch?.works[session.category]) {
          // Shared: every process working the records queue may take them; this one waits for their end.
          const { actor, correlationId, now } = ctx;
          await deps.dispatch.send(
            rows.map((row) => ({
              sessionId,
              instanceId: row.id,
              category: session.category,
              ctx: { actor, correlationId, now: now.toISOString() },
              deadlineMs,
              attempts,
              backoffMs: options.backoffMs ?? 1000,
            })),
          );
          await awaitRecordsEnded(deps, sessionId, signal);
          await closeSessionIfEnded(deps, sessionId);
          return;
        }
        const locks = new InstanceLocks(deps.pool);
        const limit = pLimit(concurrency);
        await Promise.all(
          rows.map((row) =>
            limit(() =>
              runOne(row, locks, signal).catch((err: unknown) =>
                logOutcomeNotRecorded(logger, err, { sessionId, instanceId: row.id }),
              ),
            ),
          ),
        );
        await closeSessionIfEnded(deps, sessionId);
      },
    );
    return {
      sessionId,
      position: started,
      done: done.catch((err: unknown) => logger.error({ err, sessionId }, 'the session run failed')),
    };
  };
}
