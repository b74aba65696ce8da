// The pure part of the tags projection: tag rows through their events, and the instance_tags writes of a
// batch, which must leave what applying its events one at a time leaves.
import { describe, expect, it } from 'vitest';
import { recorded } from '../../../test/support/eventFactory.js';
import { foldTags, instanceTagWrites, tagIdsOf, type InstanceTagRow, type TagRow } from './fold.js';

const T1 = '00000000-0000-4000-8000-0000000000a1';
const T2 = '00000000-0000-4000-8000-0000000000a2';
const I1 = '00000000-0000-4000-8000-000000000001';
const I2 = '00000000-0000-4000-8000-000000000002';
const at = (n: number) => `2026-12-02T10:0${n}:00.000001Z`;
const created = (n: number, tagId: string, name: string) =>
  recorded(
    n,
    'TagCreated',
    { tagId, name, displayName: name.toUpperCase(), category: 'env', color: 'red', description: '' },
    at(n),
  );
const ref = (tagId: string) => ({ tagId, name: tagId === T1 ? 'prod' : 'pci' });
const tagged = (n: number, instanceId: string, tagIds: string[], sessionId?: string) =>
  recorded(n, 'InstanceTagged', { instanceId, sessionId, tags: tagIds.map(ref) }, at(n));
const untagged = (n: number, instanceId: string, tagIds: string[]) =>
  recorded(n, 'InstanceUntagged', { instanceId, tags: tagIds.map(ref), reason: 'removed' }, at(n));

describe('foldTags', () => {
  it('creates, updates, deactivates, reactivates and deletes; each changed row once', () => {
    const rows = new Map<string, TagRow>();
    const events = [
      created(0, T1, 'prod'),
      recorded(1, 'TagUpdated', { tagId: T1, changes: { displayName: 'Production', color: 'blue' } }, at(1)),
      recorded(2, 'TagDeactivated', { tagId: T1 }, at(2)),
      created(3, T2, 'pci'),
      recorded(4, 'TagUpdated', { tagId: T1, changes: { isActive: true, category: 'tier' } }, at(4)),
      recorded(5, 'TagDeleted', { tagId: T2, forced: false }, at(5)),
    ];
    expect(tagIdsOf(events)).toEqual([T1, T2]);
    const changed = foldTags(rows, events);
    expect(changed).toEqual([
      {
        id: T1,
        name: 'prod',
        display_name: 'Production',
        category: 'tier',
        color: 'blue',
        description: '',
        is_active: true,
        created_at: at(0),
        updated_at: at(4),
        deleted_at: null,
      },
      expect.objectContaining({ id: T2, is_active: true, updated_at: at(5), deleted_at: at(5) }),
    ]);
  });

  it('folds over loaded rows; events of a tag never created change nothing; other events are skipped', () => {
    const loaded: TagRow = {
      id: T1,
      name: 'prod',
      display_name: 'PROD',
      category: '',
      color: '',
      description: '',
      is_active: true,
      created_at: at(0),
      updated_at: at(0),
      deleted_at: null,
    };
    const rows = new Map([[T1, { ...loaded }]]);
    const changed = foldTags(rows, [
      recorded(1, 'TagDeactivated', { tagId: T1 }, at(1)),
      recorded(2, 'TagDeactivated', { tagId: T2 }, at(2)),
      tagged(3, I1, [T1]),
    ]);
    expect(changed).toEqual([{ ...loaded, is_active: false, updated_at: at(1) }]);
  });
});

/** instance_tags after applying `writes` to `table` (deletes, then insert-or-ignore). */
const applied = (table: InstanceTagRow[], writes: ReturnType<typeof instanceTagWrites>) => {
  const k = (r: { instance_id: string; tag_id: string }) => `${r.instance_id}/${r.tag_id}`;
  const gone = new Set(writes.deletes.map(k));
  const out = new Map(table.filter((r) => !gone.has(k(r))).map((r) => [k(r), r]));
  for (const r of writes.inserts) if (!out.has(k(r))) out.set(k(r), r);
  return [...out.values()].sort((a, b) => k(a).localeCompare(k(b)));
};

describe('instanceTagWrites', () => {
  it('tags and untags; tagging again keeps the first tagged_at; the session is kept', () => {
    const s = '00000000-0000-4000-8000-00000000000f';
    const w = instanceTagWrites([tagged(0, I1, [T1, T2], s), tagged(1, I1, [T1]), untagged(2, I1, [T2])]);
    expect(w.deletes).toEqual([{ instance_id: I1, tag_id: T2 }]);
    expect(w.inserts).toEqual([{ instance_id: I1, tag_id: T1, tagged_at: at(0), session_id: s }]);
  });

  it('untagged then tagged again within the batch: the pair is deleted, then inserted at the later time', () => {
    const w = instanceTagWrites([untagged(0, I2, [T1]), tagged(1, I2, [T1])]);
    expect(w).toEqual({
      deletes: [{ instance_id: I2, tag_id: T1 }],
      inserts: [{ instance_id: I2, tag_id: T1, tagged_at: at(1), session_id: null }],
    });
  });

  it('any split of a log into batches leaves what one event per batch leaves', () => {
    const log = [
      tagged(0, I1, [T1]),
      tagged(1, I2, [T1, T2]),
      untagged(2, I1, [T1]),
      tagged(3, I1, [T1, T2]),
      tagged(4, I2, [T2]),
      untagged(5, I2, [T1, T2]),
      tagged(6, I2, [T2]),
      recorded(7, 'TagDeleted', { tagId: T1, forced: true }, at(7)),
    ];
    const oneByOne = log.reduce<InstanceTagRow[]>((t, e) => applied(t, instanceTagWrites([e])), []);
    expect(oneByOne.map((r) => [r.instance_id, r.tag_id, r.tagged_at])).toEqual([
      [I1, T1, at(3)],
      [I1, T2, at(3)],
      [I2, T2, at(6)],
    ]);
    for (let cut = 1; cut < log.length; cut++) {
      const twoBatches = applied(
        applied([], instanceTagWrites(log.slice(0, cut))),
        instanceTagWrites(log.slice(cut)),
      );
      expect(twoBatches).toEqual(oneByOne);
    }
    expect(applied([], instanceTagWrites(log))).toEqual(oneByOne);
  });
});
