// Manual assignments: a person adds a classification to an account, or removes an assignment (manual or
// auto), each as one AssignmentsChanged on the instance's assignments stream with no session. Auto runs
// never touch manual assignments; an auto assignment removed by hand comes back at the next run if the
// account still matches (the removal is in the log either way).
import type { Knex } from 'knex';
import type { EventStore } from '../../adapters/eventStore/port.js';
import { WrongExpectedRevisionError } from '../../adapters/eventStore/port.js';
import { accountsStream } from '../../domain/accounts/events.js';
import { foldLedger } from '../../domain/accounts/ledger.js';
import {
  assignmentId,
  assignmentsStream,
  foldAssignments,
  type AssignmentsChangedData,
} from '../../domain/classification/assignments.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { Position } from '../../domain/events/envelope.js';
import { accountId } from '../../domain/ids.js';
import { localDate } from '../../domain/periods/periods.js';
import { newEvent, timeOf, type CommandContext } from '../commandContext.js';
import { appendWithRows } from '../streamWrites.js';
import { lockClassification } from './classifications.js';
import { toLedgerEvents } from '../sync/syncInstanceAccounts.js';

type Deps = { knex: Knex; store: Pick<EventStore, 'readStream' | 'append'>; timeZone: string };

export interface AssignmentOutcome {
  assignmentId: string;
  /** false: the assignment already held (add) — nothing was appended. */
  appended: boolean;
  position?: Position;
}

const toEvents = (events: Awaited<ReturnType<EventStore['readStream']>>) =>
  events.map((e) => ({ type: e.type, eventId: e.eventId, data: e.data, occurredAt: e.metadata.occurredAt }));

/** Appends `change` to the instance's assignments stream at `revision`, with the index rows it implies. */
async function appendChange(
  deps: Deps,
  ctx: CommandContext,
  change: Omit<AssignmentsChangedData, 'statDate'>,
  revision: bigint | 'no_stream',
): Promise<Position> {
  const data: AssignmentsChangedData = { ...change, statDate: localDate(timeOf(ctx), deps.timeZone) };
  return deps.knex.transaction(async (trx) => {
    for (const a of data.added) {
      await lockClassification(trx, a.classificationId, 'shared');
      // Under the lock: a classification deleted meanwhile has no row any more.
      const live = await trx<{ classification_id: string }>('classification_index')
        .where({ classification_id: a.classificationId })
        .first('classification_id');
      if (!live) throw notFound('classification', a.classificationId);
      await trx('classification_assignment_index')
        .insert({
          assignment_id: a.assignmentId,
          classification_id: a.classificationId,
          instance_id: data.instanceId,
        })
        .onConflict('assignment_id')
        .merge();
    }
    const removed = data.removed.map((r) => r.assignmentId);
    if (removed.length > 0)
      await trx('classification_assignment_index').whereIn('assignment_id', removed).delete();
    const event = newEvent(ctx, 'AssignmentsChanged', data, { instanceId: data.instanceId });
    const { position } = await appendWithRows(
      deps.store,
      trx,
      assignmentsStream(data.instanceId),
      [event],
      revision,
    );
    return position;
  });
}

const lastRevision = (events: readonly { revision: bigint }[]) =>
  events.length > 0 ? events[events.length - 1]!.revision : ('no_stream' as const);

/** Retries a decision once on fresh state when another change of the stream won the race. */
async function onFreshState<T>(decide: () => Promise<T>): Promise<T> {
  try {
    return await decide();
  } catch (err) {
    if (!(err instanceof WrongExpectedRevisionError)) throw err;
    return decide();
  }
}

/**
 * Assigns a classification to an account by hand. The account is named by its instance and username (the
 * route finds them from the account id); it must be in the instance's current inventory.
 */
export const makeAssignManually =
  (deps: Deps) =>
  (
    cmd: { instanceId: string; username: string; accountId: string; classificationId: string },
    ctx: CommandContext,
  ): Promise<AssignmentOutcome> =>
    onFreshState(async () => {
      if (accountId(cmd.instanceId, cmd.username) !== cmd.accountId) throw notFound('account', cmd.accountId);
      const [accounts, history] = await Promise.all([
        deps.store.readStream(accountsStream(cmd.instanceId)),
        deps.store.readStream(assignmentsStream(cmd.instanceId)),
      ]);
      if (!foldLedger(toLedgerEvents(accounts)).accounts.has(cmd.username))
        throw new AppError(
          'CONSTRAINT_VIOLATION',
          `account ${cmd.username} is not in the instance's current inventory`,
          {
            account_id: cmd.accountId,
          },
        );
      const id = assignmentId(cmd.accountId, cmd.classificationId, null);
      if (foldAssignments(toEvents(history)).has(id)) return { assignmentId: id, appended: false };
      const entry = {
        assignmentId: id,
        accountId: cmd.accountId,
        username: cmd.username,
        classificationId: cmd.classificationId,
        assignmentType: 'manual' as const,
        ruleId: null,
        ruleVersion: null,
      };
      const position = await appendChange(
        deps,
        ctx,
        { instanceId: cmd.instanceId, added: [entry], removed: [] },
        lastRevision(history),
      );
      return { assignmentId: id, appended: true, position };
    });

/** Removes an assignment (manual or auto) by hand: RESOURCE_NOT_FOUND when it does not hold. */
export const makeRemoveAssignment =
  (deps: Deps) =>
  (id: string, ctx: CommandContext): Promise<AssignmentOutcome> =>
    onFreshState(async () => {
      const row = await deps
        .knex<{ assignment_id: string; instance_id: string }>('classification_assignment_index')
        .where({ assignment_id: id })
        .first('instance_id');
      if (!row) throw notFound('assignment', id);
      const history = await deps.store.readStream(assignmentsStream(row.instance_id));
      const held = foldAssignments(toEvents(history)).get(id);
      if (!held) throw notFound('assignment', id);
      const { assignedAt: _a, sessionId: _s, eventId: _e, ...entry } = held;
      const position = await appendChange(
        deps,
        ctx,
        { instanceId: row.instance_id, added: [], removed: [{ ...entry, reason: 'manual_removal' }] },
        lastRevision(history),
      );
      return { assignmentId: id, appended: true, position };
    });
