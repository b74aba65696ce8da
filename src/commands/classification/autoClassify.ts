// Auto-classify: a session of category `classification`, one record per instance. Each record folds the
// instance's accounts stream (the active accounts and their latest facts) and its assignments stream (what
// holds now), evaluates every active rule of the instance's engine (classifyInstance), and appends only the
// difference as one AssignmentsChanged, through the attempt's fenced store, in the transaction that keeps
// classification_assignment_index. Nothing is removed up front (defect 11): a record that fails or is
// fenced appends nothing, and the previous assignments stay. An unchanged instance appends nothing. Rule
// errors are counted on the record (defect 12). The rules are read once per session, so every instance of
// one run is judged by the same rule versions.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { FencedAppendError, WrongExpectedRevisionError } from '../../adapters/eventStore/port.js';
import { AppError, errorMessage } from '../../domain/errors.js';
import { RunAborted } from '../sync/processSessions.js';
import type { FencedStore } from '../../adapters/eventStore/fencedStore.js';
import {
  assignmentsStream,
  classifyInstance,
  foldAssignments,
  type ActiveRule,
  type AssignmentsChangedData,
  type InstanceClassification,
} from '../../domain/classification/assignments.js';
import { NO_FACTS, rulesKey } from '../../domain/classification/checkpoint.js';
import { accountsToJudge, saveCheckpoint } from './accountsToJudge.js';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import { localDate } from '../../domain/periods/periods.js';
import { newEvent, running, type CommandContext } from '../commandContext.js';
import type { InstanceTarget } from '../connections.js';
import { appendWithRows } from '../streamWrites.js';
import { lockClassification } from './classifications.js';
import type { AttemptWork } from '../sync/attempt.js';
import { PhaseError } from '../sync/phaseError.js';
import {
  makeCategoryRun,
  type RunOptions,
  type SessionRunDeps,
  type SessionWork,
  type Target,
} from '../sync/runSession.js';
import type { SyncResult } from '../sync/syncInstanceAccounts.js';
import type { syncTypes } from '../../domain/sessions/events.js';

export interface ClassifyDeps {
  knex: Knex;
  /** WHALEFALL_TIMEZONE: the day the daily statistics count a change in. */
  timeZone: string;
  /** The active rules at their current versions (classification_rule_index). */
  rules: () => Promise<ActiveRule[]>;
}

/** Appends that lose a race (a manual assignment meanwhile) are decided again on fresh state, this often. */
const ATTEMPTS_ON_CONFLICT = 3;
/** How many names of accounts without facts a record lists (the count is always whole). */
const LISTED = 20;

const toAssignmentEvents = (events: readonly RecordedEvent[]) =>
  events.map((e) => ({ type: e.type, eventId: e.eventId, data: e.data, occurredAt: e.metadata.occurredAt }));

/** What the record says about a classification of one instance. */
function resultOf(
  c: InstanceClassification,
  appended: boolean,
  run: { judged: number; full: string; factsMissingTotal: number },
): SyncResult {
  return {
    itemsSynced: c.evaluated,
    itemsCreated: c.added.length,
    itemsUpdated: 0,
    itemsDeleted: c.removed.length,
    details: {
      rules: c.rules,
      hits: c.hits,
      appended,
      ruleErrors: c.reports,
      ruleErrorCount: c.reports.reduce((n, r) => n + r.accounts, 0),
      /** Judged again: every active account (`full` says why), or only those whose facts changed. */
      judged: run.judged,
      ...(run.full ? { full: run.full } : { incremental: true }),
      factsMissing: run.factsMissingTotal,
      ...(c.factsMissing.length > 0
        ? {
            factsMissingCode: 'PERMISSION_FACTS_MISSING',
            factsMissingAccounts: c.factsMissing.slice(0, LISTED),
          }
        : {}),
    },
  };
}

/**
 * Writes the assignment index rows of a change in `trx`: a shared lock on each classification it adds to,
 * so a classification being deleted (which takes the exclusive one) never gains an assignment meanwhile.
 */
async function indexChange(trx: Knex.Transaction, instanceId: string, data: AssignmentsChangedData) {
  const adding = [...new Set(data.added.map((a) => a.classificationId))].sort();
  for (const id of adding) await lockClassification(trx, id, 'shared');
  const removed = data.removed.map((r) => r.assignmentId);
  if (removed.length > 0)
    await trx('classification_assignment_index').whereIn('assignment_id', removed).delete();
  if (data.added.length > 0)
    await trx('classification_assignment_index')
      .insert(
        data.added.map((a) => ({
          assignment_id: a.assignmentId,
          classification_id: a.classificationId,
          instance_id: instanceId,
        })),
      )
      .onConflict('assignment_id')
      .merge();
}

/**
 * Classifies the active accounts of one instance; appends the difference, or nothing. Only the accounts
 * whose facts changed since the last run are judged again, unless the rules changed or `everyAccount`.
 */
export async function classifyInstanceAccounts(input: {
  knex: Knex;
  store: FencedStore;
  instance: InstanceTarget;
  sessionId: string;
  ctx: CommandContext;
  rules: readonly ActiveRule[];
  timeZone: string;
  everyAccount?: boolean;
}): Promise<SyncResult> {
  const { knex, store, instance, sessionId, ctx } = input;
  const stream = assignmentsStream(instance.id);
  const key = rulesKey(input.rules, instance.dbType);
  for (let attempt = 1; ; attempt++) {
    const judged = await accountsToJudge({
      knex,
      store,
      instance,
      rulesKey: key,
      everyAccount: input.everyAccount ?? false,
    });
    const facts = {
      judged: judged.accounts.length,
      full: judged.full,
      factsMissingTotal: Object.values(judged.checkpoint.fingerprints).filter((f) => f === NO_FACTS).length,
    };
    if (judged.scope !== 'all' && judged.scope.size === 0) {
      await saveCheckpoint(knex, instance.id, judged.checkpoint);
      return resultOf(
        classifyInstance({ dbType: instance.dbType, accounts: [], rules: [], current: new Map() }),
        false,
        facts,
      );
    }
    const assignmentEvents = await store.readStream(stream);
    const held = foldAssignments(toAssignmentEvents(assignmentEvents));
    const scope = judged.scope;
    const current = scope === 'all' ? held : new Map([...held].filter(([, a]) => scope.has(a.accountId)));
    const classified = classifyInstance({
      dbType: instance.dbType,
      accounts: judged.accounts,
      rules: input.rules,
      current,
    });
    if (classified.added.length === 0 && classified.removed.length === 0) {
      await saveCheckpoint(knex, instance.id, judged.checkpoint);
      return resultOf(classified, false, facts);
    }
    const run = running(ctx);
    const data: AssignmentsChangedData = {
      instanceId: instance.id,
      sessionId,
      statDate: localDate(run.clock ? run.clock() : run.now, input.timeZone),
      added: classified.added,
      removed: classified.removed,
    };
    const last = assignmentEvents[assignmentEvents.length - 1];
    try {
      await knex.transaction(async (trx) => {
        await indexChange(trx, instance.id, data);
        await saveCheckpoint(trx, instance.id, judged.checkpoint);
        await appendWithRows(
          store,
          trx,
          stream,
          [newEvent(run, 'AssignmentsChanged', data, { sessionId, instanceId: instance.id })],
          last ? last.revision : 'no_stream',
        );
      });
      return resultOf(classified, true, facts);
    } catch (err) {
      if (!(err instanceof WrongExpectedRevisionError)) throw err;
      if (attempt >= ATTEMPTS_ON_CONFLICT)
        throw new PhaseError(
          'classify',
          'CONCURRENT_MODIFICATION',
          `the assignments of instance ${instance.id} changed under this run ${attempt} times: run it again`,
          { cause: err },
        );
    }
  }
}

/** The work of a classification record, with the rules it is judged by. */
export const classifyWork = (
  deps: Pick<ClassifyDeps, 'knex' | 'timeZone'>,
  rules: () => Promise<readonly ActiveRule[]>,
  options: { everyAccount?: boolean } = {},
): SessionWork => ({
  startPhase: 'classify',
  attemptFor:
    ({ instance, sessionId, ctx }): AttemptWork =>
    async ({ store }) => {
      try {
        return await classifyInstanceAccounts({
          knex: deps.knex,
          store,
          instance,
          sessionId,
          ctx,
          rules: await rules(),
          timeZone: deps.timeZone,
          everyAccount: options.everyAccount,
        });
      } catch (err) {
        // A fenced append or a stop is the runner's to read; anything else fails the record in `classify`.
        if (err instanceof PhaseError || err instanceof FencedAppendError || err instanceof RunAborted)
          throw err;
        throw new PhaseError(
          'classify',
          err instanceof AppError ? err.code : 'TASK_EXECUTION_FAILED',
          errorMessage(err),
          { cause: err },
        );
      }
    },
});

/**
 * Starts a classification session; the rules are read once, before its first record. `everyAccount`:
 * judge every active account, not only those whose facts changed since the last run.
 */
export const makeRunClassification = (sessionRun: SessionRunDeps, deps: ClassifyDeps) => {
  return async (
    target: Target,
    syncType: (typeof syncTypes)[number],
    ctx: CommandContext,
    options: RunOptions & { everyAccount?: boolean } = {},
  ) => {
    const rules = await deps.rules();
    const { everyAccount, ...runOptions } = options;
    const run = makeCategoryRun(
      sessionRun,
      'classification',
      classifyWork(deps, () => Promise.resolve(rules), { everyAccount }),
    );
    return run(target, syncType, ctx, runOptions);
  };
};

type SessionRun = ReturnType<typeof makeRunClassification>;

/**
 * An account sync followed by a classification of the same instances (`?then=classify`): the
 * classification's session id is known at once; it starts when every sync record has ended, whatever
 * their outcome (an instance whose sync failed is classified on the facts it had).
 */
export const makeSyncThenClassify =
  (sync: SessionRun, classify: SessionRun, logger: { error(obj: object, msg: string): void }) =>
  async (
    target: Target,
    syncType: (typeof syncTypes)[number],
    ctx: CommandContext,
    options: RunOptions = {},
  ): Promise<Awaited<ReturnType<SessionRun>> & { thenSessionId: string }> => {
    const thenSessionId = randomUUID();
    const started = await sync(target, syncType, ctx, options);
    const done = started.done.then(async () => {
      const next = await classify(target, syncType, ctx, { ...options, sessionId: thenSessionId });
      await next.done;
    });
    return {
      ...started,
      thenSessionId,
      done: done.catch((err: unknown) =>
        logger.error({ err, sessionId: thenSessionId }, 'the classification after the sync failed to start'),
      ),
    };
  };
