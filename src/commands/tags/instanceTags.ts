// Tagging one instance: assign tags, remove tags, remove all. The decision folds the instance-{id} stream
// (src/domain/tags/instanceTags.ts) and appends at most one event, with the stream's revision as expected:
// of two concurrent changes the second is refused and decided again on the state the first left, so an
// instance never gets a tag twice and a conflict never escapes as an error (defect 10). An assignment takes
// each tag's shared lock (in tag id order) and finds it live and active in tag_index, so it cannot race a
// tag's deletion; instance_tag_index is kept in the same transaction as the event.
import type { Knex } from 'knex';
import {
  WrongExpectedRevisionError,
  type EventStore,
  type ExpectedRevision,
} from '../../adapters/eventStore/port.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { Position } from '../../domain/events/envelope.js';
import { instanceStream } from '../../domain/instances/events.js';
import type { TagRef } from '../../domain/tags/events.js';
import {
  decideInstanceTags,
  foldInstanceTags,
  type InstanceTagsCommand,
  type InstanceTagsState,
  type UntagReason,
} from '../../domain/tags/instanceTags.js';
import { newEvent, type CommandContext } from '../commandContext.js';
import { appendWithRows } from '../streamWrites.js';
import { sleep } from '../sync/timing.js';

type Store = Pick<EventStore, 'readStream' | 'append'>;

export interface TaggingOutcome {
  status: 'applied' | 'unchanged';
  added: TagRef[];
  removed: TagRef[];
  position?: Position;
}

/** Decisions re-taken on fresh state before a change gives up with CONCURRENT_MODIFICATION. */
export const TAGGING_ATTEMPTS = 50;

export async function loadInstanceTags(
  store: Pick<EventStore, 'readStream'>,
  instanceId: string,
): Promise<{ state: InstanceTagsState; revision: ExpectedRevision }> {
  const events = await store.readStream(instanceStream(instanceId));
  const last = events[events.length - 1];
  return { state: foldInstanceTags(events), revision: last ? last.revision : 'no_stream' };
}

/**
 * The advisory lock of one tag. Deleting it takes it exclusively; an assignment takes it shared (in tag id
 * order) and then finds the tag_index row gone if a delete went first.
 */
export async function lockTag(trx: Knex.Transaction, tagId: string, mode: 'exclusive' | 'shared') {
  const fn = mode === 'exclusive' ? 'pg_advisory_xact_lock' : 'pg_advisory_xact_lock_shared';
  await trx.raw(`SELECT ${fn}(hashtextextended(?, 0))`, [`tag:${tagId}`]);
}

/** Under each tag's shared lock: the tags to assign are live and active. */
async function lockLiveTags(trx: Knex.Transaction, tags: readonly TagRef[]): Promise<void> {
  const ids = [...new Set(tags.map((t) => t.tagId))].sort();
  for (const id of ids) await lockTag(trx, id, 'shared');
  const rows = await trx('tag_index')
    .whereIn('tag_id', ids)
    .select<{ tag_id: string; is_active: boolean }[]>('tag_id', 'is_active');
  const byId = new Map(rows.map((r) => [r.tag_id, r.is_active]));
  for (const t of tags) {
    const active = byId.get(t.tagId);
    if (active === undefined) throw notFound('tag', t.tagId);
    if (!active)
      throw new AppError('TAG_INACTIVE', `tag ${t.name} is inactive: reactivate it before assigning it`, {
        tagId: t.tagId,
      });
  }
}

/** Decides `command` on `state` and appends its event inside `trx`, with the index rows it implies. */
async function decideAndAppend(
  store: Store,
  trx: Knex.Transaction,
  command: InstanceTagsCommand,
  loaded: { state: InstanceTagsState; revision: ExpectedRevision },
  ctx: CommandContext,
): Promise<TaggingOutcome> {
  const events = decideInstanceTags(command, loaded.state);
  const [event] = events;
  if (!event) return { status: 'unchanged', added: [], removed: [] };
  const { instanceId } = command;
  if (event.type === 'InstanceTagged') {
    await lockLiveTags(trx, event.data.tags);
    await trx('instance_tag_index')
      .insert(event.data.tags.map((t) => ({ instance_id: instanceId, tag_id: t.tagId })))
      .onConflict(['instance_id', 'tag_id'])
      .ignore();
  } else {
    await trx('instance_tag_index')
      .where({ instance_id: instanceId })
      .whereIn(
        'tag_id',
        event.data.tags.map((t) => t.tagId),
      )
      .delete();
  }
  const data = newEvent(ctx, event.type, event.data, {
    instanceId,
    sessionId: command.sessionId,
  });
  const { position } = await appendWithRows(store, trx, instanceStream(instanceId), [data], loaded.revision);
  return event.type === 'InstanceTagged'
    ? { status: 'applied', added: event.data.tags, removed: [], position }
    : { status: 'applied', added: [], removed: event.data.tags, position };
}

/**
 * Applies one tagging command to one instance in its own transaction, deciding again on fresh state each
 * time another change of the instance stream won the race (with a short random pause, so concurrent
 * writers spread out). `store` is the one to append through (a session record's fenced store).
 */
export async function tagInstance(
  deps: { knex: Knex; store: Store },
  command: InstanceTagsCommand,
  ctx: CommandContext,
): Promise<TaggingOutcome> {
  for (let attempt = 1; ; attempt++) {
    const loaded = await loadInstanceTags(deps.store, command.instanceId);
    try {
      return await deps.knex.transaction((trx) => decideAndAppend(deps.store, trx, command, loaded, ctx));
    } catch (err) {
      if (!(err instanceof WrongExpectedRevisionError)) throw err;
      if (attempt >= TAGGING_ATTEMPTS)
        throw new AppError(
          'CONCURRENT_MODIFICATION',
          `the tags of instance ${command.instanceId} changed under this change ${attempt} times: try again`,
          { instanceId: command.instanceId },
        );
      await sleep(Math.random() * Math.min(50, 2 * attempt));
    }
  }
}

/** Removes tags from one instance inside the caller's transaction (a forced tag delete). */
export async function untagInTransaction(
  deps: { store: Store },
  trx: Knex.Transaction,
  cmd: { instanceId: string; tagIds: readonly string[]; reason: Exclude<UntagReason, 'remove_all'> },
  ctx: CommandContext,
): Promise<TaggingOutcome> {
  const loaded = await loadInstanceTags(deps.store, cmd.instanceId);
  return decideAndAppend(deps.store, trx, { type: 'remove', ...cmd }, loaded, ctx);
}
