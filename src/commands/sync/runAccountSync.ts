// Account sync: a session whose work per instance is the two phases of syncInstanceAccounts.
import type { syncTypes } from '../../domain/sessions/events.js';
import type { CommandContext } from '../commandContext.js';
import { makeRunSession, type RunOptions, type SessionRunDeps, type Target } from './runSession.js';
import { syncInstanceAccounts } from './syncInstanceAccounts.js';

export { leaseFor, type StartedSession } from './runSession.js';
export type AccountSyncDeps = SessionRunDeps;

/** `maxDeactivatePercent`: INVENTORY_MAX_DEACTIVATE_PERCENT, the inventory guard's limit (default 50). */
export function makeRunAccountSync(deps: SessionRunDeps, accounts: { maxDeactivatePercent?: number } = {}) {
  const run = makeRunSession(deps);
  return (
    target: Target,
    syncType: (typeof syncTypes)[number],
    ctx: CommandContext,
    options: RunOptions = {},
  ) =>
    run(
      target,
      {
        category: 'account',
        syncType,
        work: ({ instance, adapter, sessionId, ctx: c, store, reached }) =>
          syncInstanceAccounts({
            store,
            adapter,
            dbType: instance.dbType,
            instanceId: instance.id,
            sessionId,
            ctx: c,
            maxDeactivatePercent: accounts.maxDeactivatePercent,
            reached,
          }),
      },
      ctx,
      options,
    );
}
