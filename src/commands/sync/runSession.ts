// A sync session over many instances: bounded concurrency, a deadline per instance, one advisory lock per
// instance and category (two syncs of one instance never interleave: the second is skipped with its
// reason), retries with backoff within the run (each attempt an event), and every record ends:
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
import type { SessionCommand } from '../../domain/sessions/decider.js';
import type { sessionCategories, syncTypes } from '../../domain/sessions/events.js';
import type { Logger } from '../../logger.js';
import { allInstances, getInstanceRow, type InstanceRow } from '../../projections/instances/queries.js';
import type { CommandContext } from '../streamWrites.js';
import { instanceConnectionParams } from '../testConnections.js';
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

/**
 * The advisory locks of one session's instances, all held on ONE pooled connection (session-level locks
 * belong to a connection). A connection per running instance would take `concurrency` connections from
 * the pool the event store appends through: at a concurrency of the pool's size every instance would
 * hold a lock and wait forever for a connection to append its first event. Another session uses another
 * connection, so two sessions still exclude each other; the connection goes back to the pool whenever no
 * lock is held or being taken.
 */
class InstanceLocks {
  private client: Promise<pg.PoolClient> | undefined;
  private broken = false;
  private users = 0;
  private readonly onError = () => {
    this.broken = true;
  };

  constructor(private readonly pool: pg.Pool) {}

  async tryLock(key: string): Promise<(() => Promise<void>) | undefined> {
    this.users++;
    try {
      const client = await (this.client ??= this.connect());
      const { rows } = await client.query<{ ok: boolean }>(
        `SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok`,
        [key],
      );
      if (!rows[0]?.ok) {
        this.done();
        return undefined;
      }
      return async () => {
        await client
          .query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [key])
          .catch(() => (this.broken = true));
        this.done();
      };
    } catch (err) {
      this.broken = true;
      this.done();
      throw err;
    }
  }

  private async connect(): Promise<pg.PoolClient> {
    const client = await this.pool.connect();
    // A connection lost while checked out emits 'error' on the client: its locks are gone with it.
    client.on('error', this.onError);
    return client;
  }

  /** The last user gives the connection back; a broken one (or one a lock may be left on) is discarded. */
  private done(): void {
    if (--this.users > 0) return;
    const client = this.client;
    const broken = this.broken;
    this.client = undefined;
    this.broken = false;
    void client?.then(
      (c) => {
        c.removeListener('error', this.onError);
        c.release(broken);
      },
      () => undefined,
    );
  }
}

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
            return session.work({ row, adapter, sessionId, ctx });
          })(),
          deadlineMs,
          () => void adapter?.close().catch(() => undefined),
        );
      } finally {
        await adapter?.close().catch(() => undefined);
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
        for (let n = 1; ; n++) {
          try {
            const result = await attempt(row);
            if ('skipped' in result)
              await end({ type: 'SkipRecord', sessionId, instanceId: row.id, reason: result.skipped });
            else await end({ type: 'CompleteRecord', sessionId, instanceId: row.id, ...result });
            return;
          } catch (err) {
            // Defect 2 of the reference: an exception must never leave the record running.
            const phase = err instanceof PhaseError ? err.phase : 'other';
            const code = err instanceof PhaseError ? err.messageCode : 'TASK_EXECUTION_FAILED';
            deps.logger.warn(
              { err, sessionId, instanceId: row.id, phase, attempt: n },
              `instance ${session.category} sync failed`,
            );
            await end({
              type: 'FailRecord',
              sessionId,
              instanceId: row.id,
              phase,
              messageCode: code,
              message: (err instanceof Error ? err.message : String(err)).slice(0, 4000),
            });
            if (n >= attempts) return;
            // Defect 3: a failed instance is retried within the run, each attempt an event.
            await new Promise((r) => setTimeout(r, (options.backoffMs ?? 1000) * 2 ** (n - 1)));
            await end({
              type: 'RetryRecord',
              sessionId,
              instanceId: row.id,
              phase,
              now: new Date(),
              leaseMs: leaseFor(deadlineMs),
            });
          }
        }
      } catch (err) {
        deps.logger.error(
          { err, sessionId, instanceId: row.id },
          'could not record the outcome; the recovery pass will abandon the record',
        );
      } finally {
        await unlock();
      }
    };
    const limit = pLimit(concurrency);
    const done = Promise.all(rows.map((row) => limit(() => runOne(row)))).then(() => undefined);
    return { sessionId, position, done };
  };
}
