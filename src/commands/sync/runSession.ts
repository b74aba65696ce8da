// A sync session over many instances: bounded concurrency, a deadline per instance (held even when closing
// the adapter hangs), one advisory lock per instance and category (two syncs of one instance never
// interleave: the second is skipped with its reason), retries with backoff within the run (each attempt an
// event; the record waits in `retrying` and the session stays running), and every record ends:
// completed, failed (with its phase and code) or skipped. The work per instance is the caller's.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import pLimit from 'p-limit';
import type pg from 'pg';
import { createEngineAdapter } from '../../adapters/engines/index.js';
import type { EngineAdapter, EngineOptions } from '../../adapters/engines/port.js';
import type { EventStore } from '../../adapters/eventStore/port.js';
import type { Keyring } from '../../adapters/secrets/keyring.js';
import { AppError } from '../../domain/errors.js';
import type { Position } from '../../domain/events/envelope.js';
import { isEndStatus, type RecordStatus, type SessionCommand } from '../../domain/sessions/decider.js';
import type { sessionCategories, syncTypes } from '../../domain/sessions/events.js';
import type { Logger } from '../../logger.js';
import { allInstances, getInstanceRow, type InstanceRow } from '../../projections/instances/queries.js';
import type { CommandContext } from '../streamWrites.js';
import { instanceConnectionParams } from '../testConnections.js';
import { InstanceLocks } from './instanceLocks.js';
import { SessionWriter } from './sessionExecutor.js';
import { PhaseError, type SyncResult } from './syncInstanceAccounts.js';

/** How long a record may stay running before the recovery pass may abandon it: its deadline plus a margin. */
export const leaseFor = (deadlineMs: number): number => deadlineMs + Math.min(60_000, deadlineMs);

export interface SessionRunDeps {
  knex: Knex;
  pool: pg.Pool;
  store: EventStore;
  keyring: () => Keyring;
  reloadKeyring?: () => Promise<void>;
  logger: Logger;
  engineOptions?: EngineOptions;
  /** Tests: replace the engine adapter (e.g. to make a phase fail). */
  adapterFor?: (row: InstanceRow, params: Parameters<typeof createEngineAdapter>[0]) => EngineAdapter;
}

export interface RunOptions {
  concurrency?: number;
  deadlineMs?: number;
  /** Attempts per instance within the run (the first included); default 1. */
  attempts?: number;
  /** Backoff before the second attempt, doubled after each failure. */
  backoffMs?: number;
}

export interface StartedSession {
  sessionId: string;
  position: Position | undefined;
  /** Resolves when every record has ended. */
  done: Promise<void>;
}

/** The work for one instance: a result, or a reason to skip it. Throw PhaseError to fail in a phase. */
export type InstanceWork = (input: {
  row: InstanceRow;
  adapter: EngineAdapter;
  sessionId: string;
  ctx: CommandContext;
}) => Promise<SyncResult | { skipped: string }>;

export type Target = { instanceIds: readonly string[] } | 'all-active';

/** How long the end of an attempt waits for its adapter to close (a peer that never answers can hold close). */
const CLOSE_GRACE_MS = 1000;

/** Waits for `work` at most `ms`, then calls `onLate` and resolves; `work` goes on (it must not reject). */
const within = async (work: Promise<void>, ms: number, onLate: () => void): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      onLate();
      resolve();
    }, ms);
  });
  await Promise.race([work, late]).finally(() => clearTimeout(timer));
};

const withDeadline = <T>(work: Promise<T>, ms: number, onTimeout: () => void): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(
        new PhaseError(
          'connect',
          'DATABASE_TIMEOUT',
          `the instance did not finish within its deadline of ${ms} ms`,
        ),
      );
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
};

async function resolveTarget(knex: Knex, target: Target): Promise<InstanceRow[]> {
  if (target === 'all-active') return allInstances(knex, { active: true });
  return Promise.all(
    target.instanceIds.map(async (id) => {
      const row = await getInstanceRow(knex, id);
      if (!row || row.deleted_at)
        throw new AppError('RESOURCE_NOT_FOUND', `instance ${id} does not exist`, {
          resource: 'instance',
          id,
        });
      return row;
    }),
  );
}

/**
 * The outcome of an instance could not be appended. Refused because the record moved on meanwhile (a
 * cancel or an abandon ended it, an operator's retry took it over): nothing is wrong, and the outcome is
 * dropped. Anything else (the store unreachable) leaves the record open for the recovery pass.
 */
function logOutcomeNotRecorded(logger: Logger, err: unknown, ids: { sessionId: string; instanceId: string }) {
  const status =
    err instanceof AppError && err.code === 'CONSTRAINT_VIOLATION' ? err.context?.record_status : undefined;
  if (typeof status !== 'string')
    logger.error({ err, ...ids }, 'could not record the outcome; the recovery pass will abandon the record');
  else if (isEndStatus(status as RecordStatus))
    logger.info({ ...ids, status }, `record already ended (${status}): outcome of this attempt dropped`);
  else logger.info({ ...ids, status }, `record is ${status} elsewhere: outcome of this attempt dropped`);
}

export function makeRunSession(deps: SessionRunDeps) {
  return async (
    target: Target,
    session: {
      category: (typeof sessionCategories)[number];
      syncType: (typeof syncTypes)[number];
      work: InstanceWork;
    },
    ctx: CommandContext,
    options: RunOptions = {},
  ): Promise<StartedSession> => {
    const concurrency = options.concurrency ?? 8;
    const deadlineMs = options.deadlineMs ?? 5 * 60_000;
    const attempts = Math.max(1, options.attempts ?? 1);
    const rows = await resolveTarget(deps.knex, target);
    const sessionId = randomUUID();
    const writer = new SessionWriter(deps.store, sessionId, ctx);
    const { position } = await writer.execute({
      type: 'StartSession',
      sessionId,
      category: session.category,
      syncType: session.syncType,
      instances: rows.map((r) => ({ instanceId: r.id, instanceName: r.name })),
    });
    const end = (command: SessionCommand) => writer.execute(command);
    const locks = new InstanceLocks(deps.pool);

    /** One attempt; throws on failure (the caller records it). */
    const attempt = async (row: InstanceRow) => {
      let adapter: EngineAdapter | undefined;
      let expired = false;
      let closing: Promise<void> | undefined;
      const close = () => {
        if (!adapter) return Promise.resolve();
        const a = adapter;
        return (closing ??= Promise.resolve()
          .then(() => a.close())
          .catch((err: unknown) =>
            deps.logger.debug({ err, sessionId, instanceId: row.id }, 'closing the engine adapter failed'),
          ));
      };
      try {
        return await withDeadline(
          (async () => {
            const params = await instanceConnectionParams(deps, row).catch((err: unknown) => {
              throw new PhaseError(
                'connect',
                err instanceof AppError ? err.code : 'TASK_EXECUTION_FAILED',
                err instanceof Error ? err.message : String(err),
              );
            });
            adapter = deps.adapterFor
              ? deps.adapterFor(row, params)
              : createEngineAdapter(params, deps.engineOptions);
            if (expired) void close(); // the deadline came first: the work fails on the closed adapter
            return session.work({ row, adapter, sessionId, ctx });
          })(),
          deadlineMs,
          () => {
            expired = true;
            void close();
          },
        );
      } finally {
        await within(close(), CLOSE_GRACE_MS, () =>
          deps.logger.debug(
            { sessionId, instanceId: row.id },
            `the engine adapter did not close within ${CLOSE_GRACE_MS} ms: it goes on closing in the background`,
          ),
        );
      }
    };

    /** Attempts until one succeeds or none is left; a failure the run retries leaves the record retrying. */
    const attemptAll = async (row: InstanceRow) => {
      for (let n = 1; ; n++) {
        let result: Awaited<ReturnType<typeof attempt>>;
        try {
          result = await attempt(row);
        } catch (err) {
          // Defect 2 of the reference: an exception must never leave the record running.
          const failure = {
            sessionId,
            instanceId: row.id,
            phase: err instanceof PhaseError ? err.phase : ('other' as const),
            messageCode: err instanceof PhaseError ? err.messageCode : 'TASK_EXECUTION_FAILED',
            message: (err instanceof Error ? err.message : String(err)).slice(0, 4000),
          };
          deps.logger.warn(
            { err, sessionId, instanceId: row.id, phase: failure.phase, attempt: n },
            `instance ${session.category} sync failed`,
          );
          if (n >= attempts) return void (await end({ type: 'FailRecord', ...failure }));
          // Defect 3: a failed instance is retried within the run, each attempt an event; the record
          // waits in `retrying` (the session stays running), its lease covering the backoff.
          const backoff = (options.backoffMs ?? 1000) * 2 ** (n - 1);
          const leaseMs = leaseFor(deadlineMs);
          await end({ type: 'FailAttempt', ...failure, retryInMs: backoff, now: new Date(), leaseMs });
          await new Promise((r) => setTimeout(r, backoff));
          const { phase } = failure;
          await end({
            type: 'RetryRecord',
            sessionId,
            instanceId: row.id,
            phase,
            now: new Date(),
            leaseMs,
            inRun: true,
          });
          continue;
        }
        if ('skipped' in result)
          await end({ type: 'SkipRecord', sessionId, instanceId: row.id, reason: result.skipped });
        else await end({ type: 'CompleteRecord', sessionId, instanceId: row.id, ...result });
        return;
      }
    };

    const runOne = async (row: InstanceRow) => {
      const unlock = await locks.tryLock(`${session.category}-sync:${row.id}`);
      if (!unlock) {
        await end({
          type: 'SkipRecord',
          sessionId,
          instanceId: row.id,
          reason: `another ${session.category} sync of this instance is running`,
        });
        return;
      }
      try {
        await end({
          type: 'StartRecord',
          sessionId,
          instanceId: row.id,
          now: new Date(),
          leaseMs: leaseFor(deadlineMs),
        });
        await attemptAll(row);
      } catch (err) {
        logOutcomeNotRecorded(deps.logger, err, { sessionId, instanceId: row.id });
      } finally {
        await unlock();
      }
    };
    const limit = pLimit(concurrency);
    const done = Promise.all(rows.map((row) => limit(() => runOne(row)))).then(() => undefined);
    return { sessionId, position, done };
  };
}
