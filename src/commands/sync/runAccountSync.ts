// Account sync of many instances in one session: bounded concurrency, a deadline per instance, one
// advisory lock per instance (two syncs of one instance never interleave: the second is skipped with
// its reason), and every record ends: completed, failed (with its phase and code) or skipped.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import pLimit from 'p-limit';
import type pg from 'pg';
import { createEngineAdapter } from '../../adapters/engines/index.js';
import type { EngineAdapter, EngineOptions } from '../../adapters/engines/port.js';
import type { EventStore } from '../../adapters/eventStore/port.js';
import type { Keyring } from '../../adapters/secrets/keyring.js';
import type { DbType } from '../../domain/engines/model.js';
import { AppError } from '../../domain/errors.js';
import type { Position } from '../../domain/events/envelope.js';
import type { SessionCommand } from '../../domain/sessions/decider.js';
import type { syncTypes } from '../../domain/sessions/events.js';
import type { Logger } from '../../logger.js';
import { allInstances, getInstanceRow, type InstanceRow } from '../../projections/instances/queries.js';
import type { CommandContext } from '../streamWrites.js';
import { instanceConnectionParams } from '../testConnections.js';
import { SessionWriter } from './sessionExecutor.js';
import { PhaseError, syncInstanceAccounts } from './syncInstanceAccounts.js';

/** How long a record may stay running before the recovery pass may abandon it: its deadline plus a margin. */
export const leaseFor = (deadlineMs: number): number => deadlineMs + Math.min(60_000, deadlineMs);

export interface AccountSyncDeps {
  knex: Knex;
  pool: pg.Pool;
  store: EventStore;
  keyring: () => Keyring;
  reloadKeyring?: () => Promise<void>;
  logger: Logger;
  engineOptions?: EngineOptions;
  /** Tests: replace the engine adapter (e.g. to make the permissions phase fail). */
  adapterFor?: (row: InstanceRow, params: Parameters<typeof createEngineAdapter>[0]) => EngineAdapter;
}

export interface AccountSyncOptions {
  concurrency?: number;
  deadlineMs?: number;
}

export interface StartedSession {
  sessionId: string;
  position: Position | undefined;
  /** Resolves when every record has ended. */
  done: Promise<void>;
}

/** Held while an instance syncs; another process or request cannot take it at the same time. */
async function tryLockInstance(
  pool: pg.Pool,
  instanceId: string,
): Promise<(() => Promise<void>) | undefined> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ ok: boolean }>(
      `SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok`,
      [`account-sync:${instanceId}`],
    );
    if (!rows[0]?.ok) {
      client.release();
      return undefined;
    }
  } catch (err) {
    client.release(true);
    throw err;
  }
  return async () => {
    await client
      .query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [`account-sync:${instanceId}`])
      .catch(() => undefined);
    client.release();
  };
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

export function makeRunAccountSync(deps: AccountSyncDeps) {
  return async (
    target: { instanceIds: readonly string[] } | 'all-active',
    syncType: (typeof syncTypes)[number],
    ctx: CommandContext,
    options: AccountSyncOptions = {},
  ): Promise<StartedSession> => {
    const concurrency = options.concurrency ?? 8;
    const deadlineMs = options.deadlineMs ?? 5 * 60_000;
    const rows =
      target === 'all-active'
        ? await allInstances(deps.knex, { active: true })
        : await Promise.all(
            target.instanceIds.map(async (id) => {
              const row = await getInstanceRow(deps.knex, id);
              if (!row || row.deleted_at)
                throw new AppError('RESOURCE_NOT_FOUND', `instance ${id} does not exist`, {
                  resource: 'instance',
                  id,
                });
              return row;
            }),
          );
    const sessionId = randomUUID();
    const writer = new SessionWriter(deps.store, sessionId, ctx);
    const { position } = await writer.execute({
      type: 'StartSession',
      sessionId,
      category: 'account',
      syncType,
      instances: rows.map((r) => ({ instanceId: r.id, instanceName: r.name })),
    });

    const limit = pLimit(concurrency);
    const runOne = async (row: InstanceRow) => {
      const end = (command: SessionCommand) => writer.execute(command);
      const unlock = await tryLockInstance(deps.pool, row.id);
      if (!unlock) {
        await end({
          type: 'SkipRecord',
          sessionId,
          instanceId: row.id,
          reason: 'another account sync of this instance is running',
        });
        return;
      }
      let adapter: EngineAdapter | undefined;
      try {
        await end({
          type: 'StartRecord',
          sessionId,
          instanceId: row.id,
          now: new Date(),
          leaseMs: leaseFor(deadlineMs),
        });
        const result = await withDeadline(
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
            return syncInstanceAccounts({
              store: deps.store,
              adapter,
              dbType: row.db_type as DbType,
              instanceId: row.id,
              sessionId,
              ctx,
            });
          })(),
          deadlineMs,
          () => void adapter?.close().catch(() => undefined),
        );
        await end({ type: 'CompleteRecord', sessionId, instanceId: row.id, ...result });
      } catch (err) {
        // Defect 2 of the reference: an exception must never leave the record running.
        const phase = err instanceof PhaseError ? err.phase : 'other';
        const code = err instanceof PhaseError ? err.messageCode : 'TASK_EXECUTION_FAILED';
        deps.logger.warn({ err, sessionId, instanceId: row.id, phase }, 'instance account sync failed');
        await end({
          type: 'FailRecord',
          sessionId,
          instanceId: row.id,
          phase,
          messageCode: code,
          message: (err instanceof Error ? err.message : String(err)).slice(0, 4000),
        }).catch((endErr: unknown) =>
          deps.logger.error(
            { err: endErr, sessionId, instanceId: row.id },
            'could not record the failure; the recovery pass will abandon the record',
          ),
        );
      } finally {
        await adapter?.close().catch(() => undefined);
        await unlock();
      }
    };
    const done = Promise.all(rows.map((row) => limit(() => runOne(row)))).then(() => undefined);
    return { sessionId, position, done };
  };
}
