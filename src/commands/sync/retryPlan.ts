// What an operator's retry of a record runs again: the work of its session's category, never another's.
// An account record syncs again (only its permissions phase when that is where it failed; with a confirmed
// mass deactivation for confirm-inventory), a capacity record is collected again, an aggregation record
// has the session's period aggregated again for its instance, a classification record is classified again with
// the rules as they are now.
import { AppError } from '../../domain/errors.js';
import type { SessionState } from '../../domain/sessions/decider.js';
import type { compensationActions } from '../../domain/sessions/events.js';
import type { InstanceTarget } from '../connections.js';
import type { CommandContext } from '../commandContext.js';
import { aggregateInstanceWork } from './aggregationRecords.js';
import { onEngine, type AttemptWork, type Phase, type WorkPhase } from './attempt.js';
import { capacityWork } from './collectCapacity.js';
import type { SessionRunDeps } from './runSession.js';
import { accountWork } from './runAccountSync.js';
import { ledgerSnapshots } from './ledgerSnapshots.js';
import { classifyWork } from '../classification/autoClassify.js';
import type { ActiveRule } from '../../domain/classification/assignments.js';

/** The code the inventory guard fails a record with; confirm-inventory answers exactly that failure. */
export const INVENTORY_GUARD_CODE = 'INVENTORY_GUARD_TRIPPED';

export interface RetryPlan {
  /** The phase the work starts at (InstanceSyncRetried). */
  phase: Phase;
  /** The phase a deadline reports until the work gets further. */
  startPhase: WorkPhase;
  action: (typeof compensationActions)[number];
  detail: string;
  /** Whose advisory lock the retry holds (the same as that category's session runs). */
  category: string;
  work: AttemptWork;
}

export interface RetryTarget {
  state: SessionState;
  instance: InstanceTarget;
  sessionId: string;
  ctx: CommandContext;
  /** confirm-inventory: a whole account sync allowed past the inventory guard. */
  confirmDeactivation?: boolean;
}

const refuse = (message: string, context?: Record<string, unknown>) =>
  new AppError('CONSTRAINT_VIOLATION', message, context);

export function retryPlan(
  deps: SessionRunDeps & {
    timeZone: string;
    maxDeactivatePercent?: number;
    /** The active rules (classification records); without it they cannot be retried. */
    classificationRules?: () => Promise<ActiveRule[]>;
  },
  target: RetryTarget,
): RetryPlan {
  const { state, instance, sessionId, ctx } = target;
  const record = state.records.get(instance.id);
  const category = state.category ?? 'account';
  if (target.confirmDeactivation) {
    if (category !== 'account' || record?.status !== 'failed' || record.messageCode !== INVENTORY_GUARD_CODE)
      throw refuse(
        'the record did not fail at the inventory guard: there is no mass deactivation to confirm',
        { record_status: record?.status, error_code: record?.messageCode ?? null },
      );
    return {
      phase: 'inventory',
      startPhase: 'connect',
      action: 'confirm_inventory',
      detail: 'a mass deactivation confirmed by an operator: the whole sync run again',
      category,
      work: onEngine(
        deps,
        { instance, sessionId, ctx, confirmDeactivation: true },
        accountWork({
          maxDeactivatePercent: deps.maxDeactivatePercent,
          snapshots: ledgerSnapshots(deps.knex, deps.logger),
        }),
      ),
    };
  }
  switch (category) {
    case 'account': {
      // Only the permissions phase when that is where it failed (its inventory is in the log).
      const permissionsOnly = record?.phase === 'permissions';
      return {
        phase: permissionsOnly ? 'permissions' : 'inventory',
        startPhase: permissionsOnly ? 'permissions' : 'connect',
        action: permissionsOnly ? 'retry_permissions' : 'retry_sync',
        detail: permissionsOnly ? 'permissions phase run again' : 'the whole sync run again',
        category,
        work: onEngine(
          deps,
          { instance, sessionId, ctx },
          accountWork({
            permissionsOnly,
            maxDeactivatePercent: deps.maxDeactivatePercent,
            snapshots: ledgerSnapshots(deps.knex, deps.logger),
          }),
        ),
      };
    }
    case 'capacity':
      return {
        phase: 'inventory',
        startPhase: 'connect',
        action: 'retry_capacity',
        detail: 'the capacity collection run again',
        category,
        work: onEngine(deps, { instance, sessionId, ctx }, capacityWork(deps.timeZone)),
      };
    case 'aggregation': {
      const { period } = state;
      if (!period)
        throw refuse(
          'this aggregation session does not say which period it aggregated: run the period again instead',
          {
            category,
          },
        );
      return {
        phase: 'aggregate',
        startPhase: 'aggregate',
        action: 'retry_aggregation',
        detail: `the ${period.periodType} period ${period.periodStart} aggregated again for this instance`,
        category,
        work: aggregateInstanceWork(deps, { period, instanceId: instance.id, sessionId, ctx }),
      };
    }
    case 'classification': {
      const rules = deps.classificationRules;
      if (rules)
        return {
          phase: 'classify',
          startPhase: 'classify',
          action: 'retry_classification',
          detail: 'every account of the instance classified again with the rules as they are now',
          category,
          work: classifyWork(deps, rules, { everyAccount: true }).attemptFor({ instance, sessionId, ctx }),
        };
      break;
    }
  }
  throw refuse(
    `records of ${category} sessions cannot be retried (only account, capacity, aggregation and classification records can): start a new ${category} run instead`,
    { category, retryable_categories: ['account', 'capacity', 'aggregation', 'classification'] },
  );
}
