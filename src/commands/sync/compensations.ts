// Compensating commands for half-finished syncs. Each appends events; nothing is updated in place. A retry
// re-runs the work of the record's own session category (account sync or capacity collection).
import { randomUUID } from 'node:crypto';
import { createEngineAdapter } from '../../adapters/engines/index.js';
import type { EngineAdapter } from '../../adapters/engines/port.js';
import { accountsStream } from '../../domain/accounts/events.js';
import { foldLedger } from '../../domain/accounts/ledger.js';
import type { DbType } from '../../domain/engines/model.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { SessionCommand } from '../../domain/sessions/decider.js';
import {
  sessionStream,
  type compensationActions,
  type recordPhases,
  type sessionCategories,
} from '../../domain/sessions/events.js';
import { getInstanceRow, type InstanceRow } from '../../projections/instances/queries.js';
import type { CommandContext } from '../streamWrites.js';
import { instanceConnectionParams } from '../testConnections.js';
import { collectInstanceCapacity } from './collectCapacity.js';
import type { AccountSyncDeps } from './runAccountSync.js';
import { executeSession, loadSession } from './sessionExecutor.js';
import { PhaseError, syncInstanceAccounts, toLedgerEvents, type SyncResult } from './syncInstanceAccounts.js';

type Deps = AccountSyncDeps;
/** A capacity retry collects again: its collected_date is the day in this zone (WHALEFALL_TIMEZONE). */
export type RetryDeps = Deps & { timeZone: string };
type Phase = (typeof recordPhases)[number];
type Action = (typeof compensationActions)[number];
type Work = (adapter: EngineAdapter) => Promise<SyncResult | { skipped: string }>;

async function compensationApplied(
  deps: Pick<Deps, 'store'>,
  ctx: CommandContext,
  sessionId: string,
  instanceId: string,
  action: Action,
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

/** What retrying a record runs again: the work of its session's category, never another category's. */
interface RetryPlan {
  /** The phase the work starts at (InstanceSyncRetried). */
  phase: Phase;
  action: Action;
  detail: string;
  work: Work;
}

function retryPlan(
  deps: RetryDeps,
  category: (typeof sessionCategories)[number],
  failedPhase: Phase | undefined,
  target: { row: InstanceRow; sessionId: string; ctx: CommandContext },
): RetryPlan {
  const { row, sessionId, ctx } = target;
  switch (category) {
    case 'account': {
      // Only the permissions phase when that is where it failed (its inventory is in the log).
      const permissionsOnly = failedPhase === 'permissions';
      return {
        phase: permissionsOnly ? 'permissions' : 'inventory',
        action: permissionsOnly ? 'retry_permissions' : 'retry_sync',
        detail: permissionsOnly ? 'permissions phase run again' : 'the whole sync run again',
        work: (adapter) =>
          syncInstanceAccounts({
            store: deps.store,
            adapter,
            dbType: row.db_type as DbType,
            instanceId: row.id,
            sessionId,
            ctx,
            permissionsOnly,
          }),
      };
    }
    case 'capacity':
      return {
        phase: 'inventory',
        action: 'retry_capacity',
        detail: 'the capacity collection run again',
        work: (adapter) =>
          collectInstanceCapacity({
            store: deps.store,
            adapter,
            instanceId: row.id,
            sessionId,
            ctx,
            timeZone: deps.timeZone,
          }),
      };
    default:
      throw new AppError(
        'CONSTRAINT_VIOLATION',
        `records of ${category} sessions cannot be retried (only account and capacity records can): start a new ${category} run instead`,
        { category, retryable_categories: ['account', 'capacity'] },
      );
  }
}

/** Runs the retried work on a fresh adapter and ends the record with its outcome. */
async function runRetried(
  deps: RetryDeps,
  row: InstanceRow,
  sessionId: string,
  plan: RetryPlan,
  ctx: CommandContext,
) {
  const end = async (command: SessionCommand) => (await executeSession(deps.store, command, ctx)).position;
  const instanceId = row.id;
  let adapter: EngineAdapter | undefined;
  try {
    const params = await instanceConnectionParams(deps, row).catch((err: unknown) => {
      const code = err instanceof AppError ? err.code : 'TASK_EXECUTION_FAILED';
      throw new PhaseError('connect', code, err instanceof Error ? err.message : String(err));
    });
    adapter = deps.adapterFor
      ? deps.adapterFor(row, params)
      : createEngineAdapter(params, deps.engineOptions);
    const result = await plan.work(adapter);
    if ('skipped' in result)
      return await end({ type: 'SkipRecord', sessionId, instanceId, reason: result.skipped });
    return await end({ type: 'CompleteRecord', sessionId, instanceId, ...result });
  } catch (err) {
    const phase = err instanceof PhaseError ? err.phase : 'other';
    const code =
      err instanceof PhaseError
        ? err.messageCode
        : err instanceof AppError
          ? err.code
          : 'TASK_EXECUTION_FAILED';
    deps.logger.warn({ err, sessionId, instanceId, phase }, 'retried record failed');
    const message = (err instanceof Error ? err.message : String(err)).slice(0, 4000);
    return end({ type: 'FailRecord', sessionId, instanceId, phase, messageCode: code, message });
  } finally {
    await adapter?.close().catch(() => undefined);
  }
}

/**
 * Retries a record that failed (or was abandoned) with the work of its session's category: an account
 * record syncs again (only the permissions phase when that is where it failed), a capacity record is
 * collected again; other categories are refused. The record ends again.
 */
export const makeRetryRecord =
  (deps: RetryDeps) => async (sessionId: string, instanceId: string, ctx: CommandContext) => {
    const row = await getInstanceRow(deps.knex, instanceId);
    if (!row) throw notFound('instance', instanceId);
    const { state, history } = await loadSession(deps.store, sessionId);
    const started = history.find((e) => e.type === 'SessionStarted');
    if (!started) throw notFound('sync session', sessionId);
    const { category } = started.data as { category: (typeof sessionCategories)[number] };
    const plan = retryPlan(deps, category, state.records.get(instanceId)?.phase, { row, sessionId, ctx });
    await executeSession(
      deps.store,
      {
        type: 'RetryRecord',
        sessionId,
        instanceId,
        phase: plan.phase,
        now: new Date(),
        leaseMs: 10 * 60_000,
      },
      ctx,
    );
    await compensationApplied(deps, ctx, sessionId, instanceId, plan.action, plan.detail);
    return runRetried(deps, row, sessionId, plan, ctx);
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
      deps,
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
