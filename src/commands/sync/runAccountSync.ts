// Account sync: a session whose work per instance is the two phases of syncInstanceAccounts.
import type { InstanceWork } from './attempt.js';
import { makeCategoryRun, type SessionRunDeps } from './runSession.js';
import { syncInstanceAccounts } from './syncInstanceAccounts.js';
import { ledgerSnapshots, type LedgerSnapshots } from './ledgerSnapshots.js';

export { leaseFor, type StartedSession } from './runSession.js';
export type AccountSyncDeps = SessionRunDeps;

/** The account sync of one instance, as a session's work (or an operator's retry of it). */
export const accountWork =
  (options: {
    maxDeactivatePercent?: number | undefined;
    permissionsOnly?: boolean;
    snapshots?: LedgerSnapshots;
  }): InstanceWork =>
  (input) =>
    syncInstanceAccounts({
      store: input.store,
      adapter: input.adapter,
      dbType: input.instance.dbType,
      instanceId: input.instance.id,
      sessionId: input.sessionId,
      ctx: input.ctx,
      permissionsOnly: options.permissionsOnly,
      maxDeactivatePercent: options.maxDeactivatePercent,
      confirmDeactivation: input.confirmDeactivation,
      reached: input.reached,
      snapshots: options.snapshots,
    });

/** `maxDeactivatePercent`: INVENTORY_MAX_DEACTIVATE_PERCENT, the inventory guard's limit (default 50). */
export const makeRunAccountSync = (deps: SessionRunDeps, accounts: { maxDeactivatePercent?: number } = {}) =>
  makeCategoryRun(
    deps,
    'account',
    accountWork({ ...accounts, snapshots: ledgerSnapshots(deps.knex, deps.logger) }),
  );
