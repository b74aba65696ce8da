// Compensating commands for half-finished syncs. Each appends events; nothing is updated in place.
import { randomUUID } from 'node:crypto';
import { createEngineAdapter } from '../../adapters/engines/index.js';
import type { EngineAdapter } from '../../adapters/engines/port.js';
import { accountsStream } from '../../domain/accounts/events.js';
import { foldLedger } from '../../domain/accounts/ledger.js';
import type { DbType } from '../../domain/engines/model.js';
import { AppError, notFound } from '../../domain/errors.js';
import { sessionStream } from '../../domain/sessions/events.js';
import { getInstanceRow } from '../../projections/instances/queries.js';
import type { CommandContext } from '../streamWrites.js';
import { instanceConnectionParams } from '../testConnections.js';
import type { AccountSyncDeps } from './runAccountSync.js';
import { executeSession, loadSession } from './sessionExecutor.js';
import { PhaseError, syncInstanceAccounts, toLedgerEvents } from './syncInstanceAccounts.js';

type Deps = AccountSyncDeps;

async function compensationApplied(
  deps: Deps,
  ctx: CommandContext,
  sessionId: string,
  instanceId: string,
  action: 'revert_inventory' | 'retry_permissions' | 'abandon',
  detail: string,
) {
  return (
    await deps.store.append(
      sessionStream(sessionId),
      [
        {
          eventId: randomUUID(),
          type: 'CompensationApplied',
          schemaVersion: 1,
          data: { sessionId, instanceId, action, detail },
          metadata: {
            correlationId: ctx.correlationId,
            causationId: null,
            actor: ctx.actor,
            occurredAt: new Date().toISOString(),
            sessionId,
            instanceId,
          },
        },
      ],
      { expectedRevision: 'stream_exists' },
    )
  ).position;
}

/**
 * Retries a record that failed (or was abandoned): only the permissions phase when that is where it failed
 * (its inventory is in the log), else the whole sync. The record ends again.
 */
export const makeRetryRecord =
  (deps: Deps) => async (sessionId: string, instanceId: string, ctx: CommandContext) => {
    const row = await getInstanceRow(deps.knex, instanceId);
    if (!row) throw notFound('instance', instanceId);
    const { state } = await loadSession(deps.store, sessionId);
    const permissionsOnly = state.records.get(instanceId)?.phase === 'permissions';
    await executeSession(
      deps.store,
      {
        type: 'RetryRecord',
        sessionId,
        instanceId,
        phase: permissionsOnly ? 'permissions' : 'inventory',
        now: new Date(),
        leaseMs: 10 * 60_000,
      },
      ctx,
    );
    await compensationApplied(
      deps,
      ctx,
      sessionId,
      instanceId,
      'retry_permissions',
      permissionsOnly ? 'permissions phase run again' : 'the whole sync run again',
    );
    let adapter: EngineAdapter | undefined;
    try {
      const params = await instanceConnectionParams(deps, row);
      adapter = deps.adapterFor
        ? deps.adapterFor(row, params)
        : createEngineAdapter(params, deps.engineOptions);
      const result = await syncInstanceAccounts({
        store: deps.store,
        adapter,
        dbType: row.db_type as DbType,
        instanceId,
        sessionId,
        ctx,
        permissionsOnly,
      });
      return (
        await executeSession(deps.store, { type: 'CompleteRecord', sessionId, instanceId, ...result }, ctx)
      ).position;
    } catch (err) {
      const phase = err instanceof PhaseError ? err.phase : 'permissions';
      const code =
        err instanceof PhaseError
          ? err.messageCode
          : err instanceof AppError
            ? err.code
            : 'TASK_EXECUTION_FAILED';
      return (
        await executeSession(
          deps.store,
          {
            type: 'FailRecord',
            sessionId,
            instanceId,
            phase,
            messageCode: code,
            message: err instanceof Error ? err.message : String(err),
          },
          ctx,
        )
      ).position;
    } finally {
      await adapter?.close().catch(() => undefined);
    }
  };

/** Restores the account set that preceded this session's inventory of the instance (InventoryReverted). */
export const makeRevertInventory =
  (deps: Pick<Deps, 'store'>) => async (sessionId: string, instanceId: string, ctx: CommandContext) => {
    const stream = accountsStream(instanceId);
    const history = await deps.store.readStream(stream);
    const ledger = foldLedger(toLedgerEvents(history));
    const last = ledger.inventories.at(-1);
    if (!last || last.sessionId !== sessionId) {
      throw new AppError(
        'CONSTRAINT_VIOLATION',
        `the latest inventory of instance ${instanceId} is not from session ${sessionId}: nothing to revert`,
      );
    }
    const previous = ledger.inventories.at(-2)?.accounts ?? [];
    const revision = history.at(-1)!.revision;
    await deps.store.append(
      stream,
      [
        {
          eventId: randomUUID(),
          type: 'InventoryReverted',
          schemaVersion: 1,
          data: { instanceId, sessionId, accounts: previous, revertedEventId: last.eventId },
          metadata: {
            correlationId: ctx.correlationId,
            causationId: last.eventId,
            actor: ctx.actor,
            occurredAt: new Date().toISOString(),
            sessionId,
            instanceId,
          },
        },
      ],
      { expectedRevision: revision },
    );
    return compensationApplied(
      deps as Deps,
      ctx,
      sessionId,
      instanceId,
      'revert_inventory',
      `restored ${previous.length} account(s) that preceded event ${last.eventId}`,
    );
  };

export const makeAbandonRecord =
  (deps: Pick<Deps, 'store'>) =>
  async (sessionId: string, instanceId: string, reason: string, ctx: CommandContext) =>
    (await executeSession(deps.store, { type: 'AbandonRecord', sessionId, instanceId, reason }, ctx))
      .position;

export const makeCancelSession =
  (deps: Pick<Deps, 'store'>) => async (sessionId: string, reason: string, ctx: CommandContext) =>
    (await executeSession(deps.store, { type: 'CancelSession', sessionId, reason }, ctx)).position;
