// Compensating commands for half-finished syncs. Each appends events; nothing is updated in place.
// - retry (and confirm-inventory): the record's next attempt, run by the session's own record runner (the
//   instance's advisory lock, the deadline and its lease, the fence, the error mapping) in the background;
//   refused with SYNC_ALREADY_RUNNING before anything is appended while another sync holds the instance.
// - revert-inventory: once per inventory (a second call is refused), under the account-sync lock.
// - abandon (with the operator's reason), cancel.
import { WrongExpectedRevisionError } from '../../adapters/eventStore/port.js';
import type { ActiveRule } from '../../domain/classification/assignments.js';
import { accountsStream } from '../../domain/accounts/events.js';
import { foldLedger } from '../../domain/accounts/ledger.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { Position } from '../../domain/events/envelope.js';
import {
  decide,
  evolve,
  type RecordStatus,
  type SessionCommand,
  type SessionState,
} from '../../domain/sessions/decider.js';
import { directoryOf } from '../connections.js';
import { newEvent, running, type CommandContext } from '../commandContext.js';
import { InstanceLocks } from './instanceLocks.js';
import { closeSessionIfEnded, openSession } from './openSessions.js';
import { leaseFor, logOutcomeNotRecorded, runInstanceAttempt, type Opening } from './recordRunner.js';
import { retryPlan } from './retryPlan.js';
import { DEFAULT_DEADLINE_MS, startRun, syncLockKey, type SessionRunDeps } from './runSession.js';
import {
  executeSession,
  loadSession,
  SessionWriter,
  startedIn,
  type WriterCommand,
} from './sessionWriter.js';
import { toLedgerEvents } from './syncInstanceAccounts.js';

export type RetryDeps = SessionRunDeps & {
  /** A capacity retry collects again: its collected_date is the day in this zone (WHALEFALL_TIMEZONE). */
  timeZone: string;
  /** The attempt's deadline (SYNC_INSTANCE_DEADLINE_MS); its lease follows from it. */
  deadlineMs?: number;
  /** INVENTORY_MAX_DEACTIVATE_PERCENT: an account retry's inventory guard. */
  maxDeactivatePercent?: number;
  /** The active rules a classification record's retry is judged by. */
  classificationRules?: () => Promise<ActiveRule[]>;
};

/** Where a record stands: what GET /sync-sessions/{id} will show once the projection caught up. */
export interface RecordOutcome {
  status: RecordStatus;
  phase: string | null;
  messageCode: string | null;
}

export interface StartedRetry {
  sessionId: string;
  instanceId: string;
  attempt: number;
  position: Position | undefined;
  /** Resolves with the record's outcome once the attempt ended. */
  done: Promise<RecordOutcome>;
}

const outcomeOf = (state: SessionState | undefined, instanceId: string): RecordOutcome => {
  const r = state?.records.get(instanceId);
  return {
    status: r?.status ?? 'pending',
    phase: r?.phase ?? null,
    messageCode: r && r.status === 'failed' ? (r.messageCode ?? null) : null,
  };
};

/** Decides the commands on the state without appending: the refusal, if any, before anything else. */
const check = (state: SessionState, sessionId: string, commands: readonly WriterCommand[]) =>
  commands.reduce((s, command) => decide({ ...command, sessionId }, s).reduce(evolve, s), state);

const busy = (category: string, instanceId: string) =>
  new AppError(
    'SYNC_ALREADY_RUNNING',
    `another ${category} sync of this instance is running: try again when it has ended`,
    { instance_id: instanceId, category },
  );

/**
 * Takes the instance's lock for `category` (the one that category's sessions take) and hands its release
 * to `body`, which releases it when its work is done, or refuses with SYNC_ALREADY_RUNNING. If `body` fails,
 * the lock is released here.
 */
async function whileLocked<T>(
  deps: Pick<SessionRunDeps, 'pool'>,
  category: string,
  instanceId: string,
  body: (unlock: () => Promise<void>) => Promise<T>,
): Promise<T> {
  const release = await new InstanceLocks(deps.pool).tryLock(syncLockKey(category, instanceId));
  if (!release) throw busy(category, instanceId);
  let released: Promise<void> | undefined;
  const unlock = () => (released ??= release());
  try {
    return await body(unlock);
  } catch (err) {
    await unlock();
    throw err;
  }
}

/**
 * The record's next attempt (failed, abandoned or retrying before; for confirm-inventory: failed at the
 * inventory guard), with the work of its session's category. Resolves once the attempt started (202);
 * `done` resolves with the outcome.
 */
async function startRetry(
  deps: RetryDeps,
  sessionId: string,
  instanceId: string,
  ctx: CommandContext,
  options: { confirmDeactivation?: boolean } = {},
): Promise<StartedRetry> {
  const instance = await directoryOf(deps).get(instanceId);
  if (!instance) throw notFound('instance', instanceId);
  const { state } = await loadSession(deps.store, sessionId);
  if (state.status === 'none') throw notFound('sync session', sessionId);
  const plan = retryPlan(deps, { state, instance, sessionId, ctx, ...options });
  const deadlineMs = deps.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const owner = deps.sessions?.id;
  const commands = (opening: Opening): WriterCommand[] => [
    { type: 'RecordCompensation', instanceId, action: plan.action, detail: plan.detail },
    { type: 'RetryRecord', instanceId, phase: plan.phase, ...opening },
  ];
  // The record's refusal comes before the lock's.
  check(state, sessionId, commands({ now: new Date(), leaseMs: leaseFor(deadlineMs) }));
  return whileLocked(deps, plan.category, instanceId, async (unlock) => {
    const writer = new SessionWriter(deps.store, sessionId, ctx);
    const scope = { sessionId, writer, scope: new Set([instanceId]) };
    type Started = { position: Position | undefined; attempt: number };
    const { started, done } = await startRun<Started, RecordOutcome>(
      deps.sessions,
      scope,
      async (signal, ready) => {
        try {
          await openSession(deps.knex, sessionId); // a retry reopens a closed session
          const { opened, done } = await runInstanceAttempt(deps, {
            writer,
            instanceId,
            category: plan.category,
            work: plan.work,
            open: commands,
            deadlineMs,
            attempts: 1,
            backoffMs: 0,
            startPhase: plan.startPhase,
            owner,
            signal,
          });
          const ended = done.catch((err: unknown) =>
            logOutcomeNotRecorded(deps.logger, err, { sessionId, instanceId }),
          );
          await openSession(deps.knex, sessionId); // in case a close removed it meanwhile
          ready({ position: opened.position, attempt: startedIn(opened, instanceId).attempt });
          await ended;
          await closeSessionIfEnded(deps, sessionId);
          return outcomeOf(writer.state, instanceId);
        } finally {
          await unlock();
        }
      },
    );
    return { sessionId, instanceId, ...started, done };
  });
}

/** Retries a record with the work of its session's category (see retryPlan). */
export const makeRetryRecord =
  (deps: RetryDeps) =>
  (sessionId: string, instanceId: string, ctx: CommandContext): Promise<StartedRetry> =>
    startRetry(deps, sessionId, instanceId, ctx);

/** An operator confirms the mass deactivation the inventory guard stopped: the sync runs again, allowed past it. */
export const makeConfirmInventory =
  (deps: RetryDeps) =>
  (sessionId: string, instanceId: string, ctx: CommandContext): Promise<StartedRetry> =>
    startRetry(deps, sessionId, instanceId, ctx, { confirmDeactivation: true });

/**
 * Restores the account set that preceded this session's inventory of the instance (InventoryReverted),
 * once: a second call is refused, it would undo the first.
 */
export const makeRevertInventory =
  (deps: Pick<SessionRunDeps, 'store' | 'pool'>) =>
  async (sessionId: string, instanceId: string, ctx: CommandContext): Promise<Position | undefined> => {
    const { state } = await loadSession(deps.store, sessionId);
    const compensation = (detail: string): SessionCommand => ({
      type: 'RecordCompensation',
      sessionId,
      instanceId,
      action: 'revert_inventory',
      detail,
    });
    check(state, sessionId, [compensation('')]); // the session and the record exist
    return whileLocked(deps, 'account', instanceId, async (unlock) => {
      try {
        const detail = await revertOnce(deps, sessionId, instanceId, ctx);
        return (await executeSession(deps.store, compensation(detail), ctx)).position;
      } finally {
        await unlock();
      }
    });
  };

async function revertOnce(
  deps: Pick<SessionRunDeps, 'store'>,
  sessionId: string,
  instanceId: string,
  ctx: CommandContext,
): Promise<string> {
  const stream = accountsStream(instanceId);
  for (let attempt = 0; ; attempt++) {
    const history = await deps.store.readStream(stream);
    const ledger = foldLedger(toLedgerEvents(history));
    const inventory = history.findLast(
      (e) =>
        e.type === 'InstanceInventorySynced' && (e.data as { sessionId?: string }).sessionId === sessionId,
    );
    const revertedIds = new Set(
      history
        .filter((e) => e.type === 'InventoryReverted')
        .map((e) => (e.data as { revertedEventId?: string }).revertedEventId),
    );
    if (inventory && revertedIds.has(inventory.eventId))
      throw new AppError('CONSTRAINT_VIOLATION', "this session's inventory was already reverted", {
        session_id: sessionId,
        reverted_event_id: inventory.eventId,
      });
    const last = ledger.inventories.at(-1);
    if (!last || last.eventId !== inventory?.eventId)
      throw new AppError(
        'CONSTRAINT_VIOLATION',
        `the latest inventory of instance ${instanceId} is not from session ${sessionId}: nothing to revert`,
      );
    const previous = ledger.inventories.at(-2)?.accounts ?? [];
    try {
      await deps.store.append(
        stream,
        [
          newEvent(
            running(ctx),
            'InventoryReverted',
            { instanceId, sessionId, accounts: previous, revertedEventId: last.eventId },
            { sessionId, instanceId, causationId: last.eventId },
          ),
        ],
        { expectedRevision: history.at(-1)!.revision },
      );
      return `restored ${previous.length} account(s) that preceded event ${last.eventId}`;
    } catch (err) {
      // Another writer of the stream came first (one outside the lock): read again and decide again.
      if (!(err instanceof WrongExpectedRevisionError) || attempt >= 10) throw err;
    }
  }
}

export const makeAbandonRecord =
  (deps: Pick<SessionRunDeps, 'store'>) =>
  async (sessionId: string, instanceId: string, reason: string, ctx: CommandContext) =>
    (await executeSession(deps.store, { type: 'AbandonRecord', sessionId, instanceId, reason }, ctx))
      .position;

export const makeCancelSession =
  (deps: Pick<SessionRunDeps, 'store'>) => async (sessionId: string, reason: string, ctx: CommandContext) =>
    (await executeSession(deps.store, { type: 'CancelSession', sessionId, reason }, ctx)).position;
