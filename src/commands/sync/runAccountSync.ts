// Account sync: a session whose work per instance is the two phases of syncInstanceAccounts.
import type { DbType } from '../../domain/engines/model.js';
import type { syncTypes } from '../../domain/sessions/events.js';
import type { CommandContext } from '../streamWrites.js';
import { makeRunSession, type RunOptions, type SessionRunDeps, type Target } from './runSession.js';
import { syncInstanceAccounts } from './syncInstanceAccounts.js';

export { leaseFor, type StartedSession } from './runSession.js';
export type AccountSyncDeps = SessionRunDeps;

export function makeRunAccountSync(deps: SessionRunDeps) {
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
        work: ({ row, adapter, sessionId, ctx: c, store, reached }) =>
          syncInstanceAccounts({
            store,
            adapter,
            dbType: row.db_type as DbType,
            instanceId: row.id,
            sessionId,
            ctx: c,
            reached,
          }),
      },
      ctx,
      options,
    );
}
