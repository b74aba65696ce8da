// The pure part of the tags projection. foldTags: the tag events of a batch over the `tags` rows it has
// loaded (a deletion is deleted_at, the row stays). instanceTagWrites: what a batch's InstanceTagged /
// InstanceUntagged do to instance_tags, as deletes then inserts that leave what applying them one at a
// time would. Times come from the events only.
import type { RecordedEvent } from '../../domain/events/envelope.js';
import type { TagRef } from '../../domain/tags/events.js';

export interface TagRow {
  id: string;
  name: string;
  display_name: string;
  category: string;
  color: string;
  description: string;
  is_active: boolean;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface InstanceTagRow {
  instance_id: string;
  tag_id: string;
  tagged_at: string;
  session_id: string | null;
}

export const tagEventTypes = ['TagCreated', 'TagUpdated', 'TagDeactivated', 'TagDeleted'] as const;
export const instanceTagEventTypes = ['InstanceTagged', 'InstanceUntagged'] as const;

const isTagEvent = (e: RecordedEvent) => (tagEventTypes as readonly string[]).includes(e.type);

/** The tag ids the batch's tag events touch: the rows to load before folding. */
export const tagIdsOf = (events: readonly RecordedEvent[]): string[] => [
  ...new Set(events.filter(isTagEvent).map((e) => (e.data as { tagId: string }).tagId)),
];

interface TagFields {
  name?: string;
  displayName?: string;
  category?: string;
  color?: string;
  description?: string;
  isActive?: true;
}

const columns: Record<keyof TagFields, keyof TagRow> = {
  name: 'name',
  displayName: 'display_name',
  category: 'category',
  color: 'color',
  description: 'description',
  isActive: 'is_active',
};

/**
 * Folds the batch's tag events in log order over the loaded rows (changed in place); returns the changed
 * rows, each once. An event about a tag whose creation the tables never saw changes nothing.
 */
export function foldTags(rows: Map<string, TagRow>, events: readonly RecordedEvent[]): TagRow[] {
  const changed = new Map<string, TagRow>();
  for (const e of events) {
    if (!isTagEvent(e)) continue;
    const at = e.metadata.occurredAt;
    const d = e.data as { tagId: string; changes?: TagFields } & Required<Omit<TagFields, 'isActive'>>;
    if (e.type === 'TagCreated') {
      const row: TagRow = {
        id: d.tagId,
        name: d.name,
        display_name: d.displayName,
        category: d.category,
        color: d.color,
        description: d.description,
        is_active: true,
        created_at: at,
        updated_at: at,
        deleted_at: null,
      };
      rows.set(row.id, row);
      changed.set(row.id, row);
      continue;
    }
    const row = rows.get(d.tagId);
    if (!row) continue;
    if (e.type === 'TagUpdated') {
      const target = row as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(d.changes ?? {})) {
        const column = columns[k as keyof TagFields];
        if (column && v !== undefined) target[column] = v;
      }
    }
    if (e.type === 'TagDeactivated') row.is_active = false;
    if (e.type === 'TagDeleted') row.deleted_at = at;
    row.updated_at = at;
    changed.set(row.id, row);
  }
  return [...changed.values()];
}

const key = (instanceId: string, tagId: string) => `${instanceId}/${tagId}`;

/**
 * What the batch's instance tag events do to instance_tags: delete these pairs, then insert these rows
 * (insert-or-ignore). A tag an instance already holds keeps its first tagged_at (tagging it again changes
 * nothing), so a pair untagged then tagged again within the batch is deleted, then inserted anew.
 * TagDeleted touches no pair: a forced deletion untagged every instance first (InstanceUntagged, reason
 * tag_deleted), and an unforced one was of a tag no instance held.
 */
export function instanceTagWrites(events: readonly RecordedEvent[]): {
  deletes: { instance_id: string; tag_id: string }[];
  inserts: InstanceTagRow[];
} {
  const deleted = new Map<string, { instance_id: string; tag_id: string }>();
  const held = new Map<string, InstanceTagRow | null>();
  for (const e of events) {
    if (e.type !== 'InstanceTagged' && e.type !== 'InstanceUntagged') continue;
    const d = e.data as { instanceId: string; sessionId?: string; tags: TagRef[] };
    for (const t of d.tags) {
      const k = key(d.instanceId, t.tagId);
      if (e.type === 'InstanceUntagged') {
        deleted.set(k, { instance_id: d.instanceId, tag_id: t.tagId });
        held.set(k, null);
      } else if (!held.get(k)) {
        held.set(k, {
          instance_id: d.instanceId,
          tag_id: t.tagId,
          tagged_at: e.metadata.occurredAt,
          session_id: d.sessionId ?? null,
        });
      }
    }
  }
  return {
    deletes: [...deleted.values()],
    inserts: [...held.values()].filter((r): r is InstanceTagRow => r !== null),
  };
}
