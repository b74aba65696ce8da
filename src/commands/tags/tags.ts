// Tags: create / update (fields, deactivate, reactivate) / delete. Decisions fold the tag-{id} stream
// (src/domain/tags/tagDecider.ts); the facts outside it come from the write-side tables, read in the
// transaction that appends: the name (name_reservations, scope 'tag', case-insensitive), and on delete the
// holders (instance_tag_index), counted under the tag's exclusive advisory lock so no assignment slips in
// meanwhile. A forced delete untags every holder first, in the same transaction as TagDeleted.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { EventStore, ExpectedRevision } from '../../adapters/eventStore/port.js';
import { AppError, errorMessage } from '../../domain/errors.js';
import type { Position } from '../../domain/events/envelope.js';
import { tagStream } from '../../domain/tags/events.js';
import {
  decideTag,
  evolveTag,
  initialTagState,
  type TagChanges,
  type TagEvent,
  type TagFields,
  type TagState,
} from '../../domain/tags/tagDecider.js';
import { newEvent, type CommandContext } from '../commandContext.js';
import { appendWithRows, nameHeldByOther, reserveName, retryOnConflict } from '../streamWrites.js';
import { lockTag, untagInTransaction } from './instanceTags.js';

export type TagDeps = { knex: Knex; store: EventStore };

export const TAG_NAME_SCOPE = 'tag';

export async function loadTag(
  store: Pick<EventStore, 'readStream'>,
  id: string,
): Promise<{ state: TagState; revision: ExpectedRevision }> {
  const events = await store.readStream(tagStream(id));
  const state = events.reduce(
    (s, e) => evolveTag(s, { type: e.type, data: e.data } as TagEvent),
    initialTagState(),
  );
  const last = events[events.length - 1];
  return { state, revision: last ? last.revision : 'no_stream' };
}

async function appendDecided(
  store: Pick<EventStore, 'append'>,
  trx: Knex.Transaction,
  id: string,
  revision: ExpectedRevision,
  events: readonly TagEvent[],
  ctx: CommandContext,
): Promise<Position | null> {
  if (events.length === 0) return null;
  const data = events.map((e) => newEvent(ctx, e.type, e.data));
  return (await appendWithRows(store, trx, tagStream(id), data, revision)).position;
}

/** Creates a tag. The name's reservation, taken in the same transaction, refuses a concurrent taker (NAME_EXISTS). */
export const makeCreateTag =
  ({ knex, store }: TagDeps) =>
  async (cmd: TagFields, ctx: CommandContext): Promise<{ id: string; position: Position }> => {
    const id = randomUUID();
    const { state, revision } = await loadTag(store, id);
    const position = await knex.transaction(async (trx) => {
      const nameTaken = await nameHeldByOther(trx, TAG_NAME_SCOPE, cmd.name, id);
      const events = decideTag({ type: 'create', tagId: id, ...cmd }, state, { nameTaken });
      await reserveName(trx, TAG_NAME_SCOPE, cmd.name, id);
      await trx('tag_index').insert({ tag_id: id, is_active: true });
      return appendDecided(store, trx, id, revision, events, ctx);
    });
    return { id, position: position! };
  };

/**
 * Edits fields, renames, deactivates (isActive false: it stays on the instances that hold it, and is not
 * assigned any more) or reactivates. Nothing changed: nothing appended, position null.
 */
export const makeUpdateTag =
  ({ knex, store }: TagDeps) =>
  async (
    cmd: { tagId: string; changes: TagChanges; isActive?: boolean | undefined },
    ctx: CommandContext,
  ): Promise<{ id: string; position: Position | null }> => {
    const id = cmd.tagId;
    const position = await retryOnConflict(async () => {
      const { state, revision } = await loadTag(store, id);
      return knex.transaction(async (trx) => {
        const name = cmd.changes.name;
        const nameTaken = name !== undefined && (await nameHeldByOther(trx, TAG_NAME_SCOPE, name, id));
        const events = decideTag({ type: 'update', tagId: id, changes: cmd.changes }, state, { nameTaken });
        // Fields first, then the switch: one command, up to two events, decided on the same state.
        const after = events.reduce(evolveTag, state);
        if (cmd.isActive === false) events.push(...decideTag({ type: 'deactivate', tagId: id }, after));
        if (cmd.isActive === true) events.push(...decideTag({ type: 'reactivate', tagId: id }, after));
        for (const e of events) {
          if (e.type === 'TagUpdated' && e.data.changes.name !== undefined)
            await reserveName(trx, TAG_NAME_SCOPE, e.data.changes.name, id);
          if (e.type === 'TagDeactivated' || (e.type === 'TagUpdated' && e.data.changes.isActive))
            await trx('tag_index')
              .where({ tag_id: id })
              .update({ is_active: e.type !== 'TagDeactivated' });
        }
        return appendDecided(store, trx, id, revision, events, ctx);
      });
    });
    return { id, position };
  };

/**
 * Deletes a tag. Held by an instance (the recycle bin's included): TAG_IN_USE, unless `force`, which appends
 * an InstanceUntagged (reason tag_deleted) to each holder's stream and then TagDeleted, all in one
 * transaction under the tag's exclusive lock: the log never says a tag was deleted while an instance still
 * held it, nor that it left an instance for a deletion that did not happen.
 */
export const makeDeleteTag =
  ({ knex, store }: TagDeps) =>
  async (
    cmd: { tagId: string; force?: boolean | undefined },
    ctx: CommandContext,
  ): Promise<{ id: string; position: Position; untagged: number }> => {
    const id = cmd.tagId;
    return retryOnConflict(async () => {
      const { state, revision } = await loadTag(store, id);
      return knex.transaction(async (trx) => {
        await lockTag(trx, id, 'exclusive');
        const holders = await trx('instance_tag_index')
          .where({ tag_id: id })
          .orderBy('instance_id')
          .pluck<string[]>('instance_id');
        const events = decideTag({ type: 'delete', tagId: id, force: cmd.force ?? false }, state, {
          holderCount: holders.length,
        });
        for (const instanceId of holders)
          await untagInTransaction({ store }, trx, { instanceId, tagIds: [id], reason: 'tag_deleted' }, ctx);
        await trx('tag_index').where({ tag_id: id }).delete();
        await trx('name_reservations').where({ scope: TAG_NAME_SCOPE, owner_id: id }).delete();
        const position = await appendDecided(store, trx, id, revision, events, ctx);
        return { id, position: position!, untagged: holders.length };
      });
    });
  };

export type TagDeleteOutcome =
  | { tagId: string; name: string | null; status: 'deleted'; untagged: number }
  | { tagId: string; name: string | null; status: 'failed'; messageCode: string; message: string };

/** Deletes each tag on its own: one that cannot be deleted (in use, unknown) fails alone, with its code. */
export const makeBatchDeleteTags = (deps: TagDeps) => {
  const deleteTag = makeDeleteTag(deps);
  return async (
    cmd: { tagIds: readonly string[]; force?: boolean | undefined },
    ctx: CommandContext,
  ): Promise<TagDeleteOutcome[]> => {
    const outcomes: TagDeleteOutcome[] = [];
    for (const tagId of new Set(cmd.tagIds)) {
      const { state } = await loadTag(deps.store, tagId);
      const name = state.lifecycle === 'none' ? null : state.name;
      try {
        const { untagged } = await deleteTag({ tagId, force: cmd.force }, ctx);
        outcomes.push({ tagId, name, status: 'deleted', untagged });
      } catch (err) {
        const { code, message } = asCoded(err);
        outcomes.push({ tagId, name, status: 'failed', messageCode: code, message });
      }
    }
    return outcomes;
  };
};

/** An item's failure as a receipt names it: an AppError's code, else TASK_EXECUTION_FAILED. */
export const asCoded = (err: unknown): { code: string; message: string } =>
  err instanceof AppError
    ? { code: err.code, message: err.message }
    : { code: 'TASK_EXECUTION_FAILED', message: errorMessage(err) };
