// The `tags` projection: tags from the tag-{id} streams, instance_tags from InstanceTagged /
// InstanceUntagged on the instance streams (fold.ts). A batch loads the tags its events touch, folds them
// and writes each changed row once; instance_tags receives the batch's deletes, then its inserts.
// InstanceDeleted leaves an instance's rows alone: a deleted instance is in the recycle bin and keeps its
// tags when restored (the queries leave deleted instances out, or count them apart).
import type { Projection } from '../projection.js';
import { selectWhereIn, upsertRows } from '../rows.js';
import {
  foldTags,
  instanceTagEventTypes,
  instanceTagWrites,
  tagEventTypes,
  tagIdsOf,
  type TagRow,
} from './fold.js';

const tagColumns = [
  'id',
  'name',
  'display_name',
  'category',
  'color',
  'description',
  'is_active',
  'created_at',
  'updated_at',
  'deleted_at',
];
// Times are read back as text so that rewriting a loaded row keeps microseconds (see rows.selectList).
const timeColumns = new Set(['created_at', 'updated_at', 'deleted_at']);

/** Pairs per DELETE statement: two bound parameters each. */
const deleteChunk = 5_000;

export const tagsProjection: Projection = {
  name: 'tags',
  tables: ['tags', 'instance_tags'],
  eventTypes: [...tagEventTypes, ...instanceTagEventTypes],
  apply: async ({ trx, table }, events) => {
    const loaded = await selectWhereIn<TagRow>(
      trx,
      table('tags'),
      'id',
      tagIdsOf(events),
      tagColumns,
      timeColumns,
    );
    const changed = foldTags(new Map(loaded.map((r) => [r.id, r])), events);
    await upsertRows(trx, table('tags'), changed as unknown as Record<string, unknown>[], ['id']);

    const { deletes, inserts } = instanceTagWrites(events);
    const instanceTags = table('instance_tags');
    for (let i = 0; i < deletes.length; i += deleteChunk) {
      const pairs = deletes.slice(i, i + deleteChunk).map((p) => [p.instance_id, p.tag_id]);
      await trx(instanceTags).whereIn(['instance_id', 'tag_id'], pairs).delete();
    }
    for (let i = 0; i < inserts.length; i += deleteChunk)
      await trx(instanceTags)
        .insert(inserts.slice(i, i + deleteChunk))
        .onConflict(['instance_id', 'tag_id'])
        .ignore();
  },
};
