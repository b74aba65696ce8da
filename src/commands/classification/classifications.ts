// Classifications: create / update / delete. Decisions fold the classification-{id} stream
// (evolveClassification); the facts outside it come from the write-side tables, read in the transaction
// that appends: the name (name_reservations, scope 'classification', case-insensitive), and on delete the
// active rules (classification_rule_index) and assignments (classification_assignment_index), counted
// under the classification's exclusive advisory lock so no rule or assignment slips in meanwhile.
// classification_index (one row per live classification, with is_active) is kept in the same transaction.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { EventStore, ExpectedRevision } from '../../adapters/eventStore/port.js';
import {
  decideClassification,
  evolveClassification,
  initialClassificationState,
  type ClassificationChanges,
  type ClassificationEvent,
  type ClassificationFields,
  type ClassificationState,
} from '../../domain/classification/classificationDecider.js';
import { classificationStream } from '../../domain/classification/events.js';
import type { Position } from '../../domain/events/envelope.js';
import { newEvent, type CommandContext } from '../commandContext.js';
import { appendWithRows, nameHeldByOther, reserveName, retryOnConflict } from '../streamWrites.js';

export type ClassificationDeps = { knex: Knex; store: EventStore };

export const NAME_SCOPE = 'classification';

/**
 * The advisory lock of one classification. Deleting it takes it exclusively; rule writes and auto-classify
 * (for each classification it adds assignments to) take it shared, and then find the classification_index
 * row gone if a delete went first.
 */
export async function lockClassification(
  trx: Knex.Transaction,
  classificationId: string,
  mode: 'exclusive' | 'shared',
): Promise<void> {
  const fn = mode === 'exclusive' ? 'pg_advisory_xact_lock' : 'pg_advisory_xact_lock_shared';
  await trx.raw(`SELECT ${fn}(hashtextextended(?, 0))`, [`classification:${classificationId}`]);
}

export async function loadClassification(
  store: Pick<EventStore, 'readStream'>,
  id: string,
): Promise<{ state: ClassificationState; revision: ExpectedRevision }> {
  const events = await store.readStream(classificationStream(id));
  const state = events.reduce(
    (s, e) => evolveClassification(s, { type: e.type, data: e.data } as ClassificationEvent),
    initialClassificationState(),
  );
  const last = events[events.length - 1];
  return { state, revision: last ? last.revision : 'no_stream' };
}

/** Another owner holds this name (case-insensitively): the decider's nameTaken. */
const nameTaken = (trx: Knex.Transaction, name: string, id: string) =>
  nameHeldByOther(trx, NAME_SCOPE, name, id);

/** Appends the decided events inside `trx`; null when there are none. */
async function appendDecided(
  store: Pick<EventStore, 'append'>,
  trx: Knex.Transaction,
  id: string,
  revision: ExpectedRevision,
  events: readonly ClassificationEvent[],
  ctx: CommandContext,
): Promise<Position | null> {
  if (events.length === 0) return null;
  const data = events.map((e) => newEvent(ctx, e.type, e.data));
  return (await appendWithRows(store, trx, classificationStream(id), data, revision)).position;
}

/**
 * Creates a classification with the id given (the seed's stable ids; users' ones are random). The decider
 * hears whether the name is taken; the reservation, taken in the same transaction, refuses a concurrent
 * taker of the same name (NAME_EXISTS) that read it as free.
 */
export async function createClassificationWithId(
  { knex, store }: ClassificationDeps,
  cmd: ClassificationFields & { classificationId: string; isSystem: boolean },
  ctx: CommandContext,
): Promise<{ id: string; position: Position }> {
  const id = cmd.classificationId;
  const { state, revision } = await loadClassification(store, id);
  const position = await knex.transaction(async (trx) => {
    const taken = await nameTaken(trx, cmd.name, id);
    const events = decideClassification({ type: 'create', ...cmd }, state, { nameTaken: taken });
    await reserveName(trx, NAME_SCOPE, cmd.name, id);
    await trx('classification_index')
      .insert({ classification_id: id, is_active: true })
      .onConflict('classification_id')
      .merge();
    return appendDecided(store, trx, id, revision, events, ctx);
  });
  return { id, position: position! };
}

export const makeCreateClassification =
  (deps: ClassificationDeps) => (cmd: ClassificationFields, ctx: CommandContext) =>
    createClassificationWithId(deps, { ...cmd, classificationId: randomUUID(), isSystem: false }, ctx);

/** Edits fields, renames (not a system one), or (de)activates. Nothing changed: nothing appended, position null. */
export const makeUpdateClassification =
  ({ knex, store }: ClassificationDeps) =>
  async (
    cmd: { classificationId: string; changes: ClassificationChanges },
    ctx: CommandContext,
  ): Promise<{ id: string; position: Position | null }> => {
    const id = cmd.classificationId;
    const position = await retryOnConflict(async () => {
      const { state, revision } = await loadClassification(store, id);
      return knex.transaction(async (trx) => {
        const name = cmd.changes.name;
        const taken = name !== undefined && (await nameTaken(trx, name, id));
        const events = decideClassification({ type: 'update', ...cmd }, state, { nameTaken: taken });
        for (const e of events) {
          if (e.type !== 'ClassificationUpdated') continue;
          const { changes } = e.data;
          if (changes.name !== undefined) await reserveName(trx, NAME_SCOPE, changes.name, id);
          if (changes.isActive !== undefined)
            await trx('classification_index')
              .where({ classification_id: id })
              .update({ is_active: changes.isActive });
        }
        return appendDecided(store, trx, id, revision, events, ctx);
      });
    });
    return { id, position };
  };

const countOf = async (query: Knex.QueryBuilder): Promise<number> => {
  const [row] = await query.count<{ n: string | number }[]>({ n: '*' });
  return Number(row?.n ?? 0);
};

/**
 * Deletes a classification that no active rule and no assignment uses (CLASSIFICATION_IN_USE otherwise),
 * not a system one. Under the exclusive lock: a rule create or auto-classify holding the shared one
 * finishes first (and is counted), or waits and then finds no classification_index row.
 */
export const makeDeleteClassification =
  ({ knex, store }: ClassificationDeps) =>
  async (
    cmd: { classificationId: string },
    ctx: CommandContext,
  ): Promise<{ id: string; position: Position }> => {
    const id = cmd.classificationId;
    const position = await retryOnConflict(async () => {
      const { state, revision } = await loadClassification(store, id);
      return knex.transaction(async (trx) => {
        await lockClassification(trx, id, 'exclusive');
        const activeRuleCount = await countOf(
          trx('classification_rule_index').where({ classification_id: id, is_active: true }),
        );
        const assignmentCount = await countOf(
          trx('classification_assignment_index').where({ classification_id: id }),
        );
        const events = decideClassification({ type: 'delete', classificationId: id }, state, {
          activeRuleCount,
          assignmentCount,
        });
        await trx('classification_index').where({ classification_id: id }).delete();
        await trx('name_reservations').where({ scope: NAME_SCOPE, owner_id: id }).delete();
        return appendDecided(store, trx, id, revision, events, ctx);
      });
    });
    return { id, position: position! };
  };
