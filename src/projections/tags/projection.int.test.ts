// The tags projection over a log of tag and instance tag events, applied one event per batch: the rows of
// tags and instance_tags (an instance's deletion leaves its tags; a forced tag deletion arrives as
// untaggings first), and the live tables equal to a rebuild from events (one batch for the whole log).
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectionSpec } from '../../../test/support/projectionSpec.js';
import { tagStream } from '../../domain/tags/events.js';
import { tagsProjection } from './projection.js';

const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : d);
const at = (n: number) => `2026-12-02T10:${String(n).padStart(2, '0')}:00.123456Z`;

describe('tags projection', () => {
  const spec = projectionSpec(tagsProjection);
  const [prod, pci, old] = [randomUUID(), randomUUID(), randomUUID()];
  const [i1, i2, i3] = [randomUUID(), randomUUID(), randomUUID()];
  const session = randomUUID();
  const names: Record<string, string> = { [prod]: 'prod', [pci]: 'pci', [old]: 'old' };
  const refs = (...ids: string[]) => ids.map((tagId) => ({ tagId, name: names[tagId]! }));
  let n = 0;
  const append = (stream: string, type: string, data: unknown) =>
    spec.append(stream, type, data, { occurredAt: at(n++) });
  const create = (tagId: string, category: string) =>
    append(tagStream(tagId), 'TagCreated', {
      tagId,
      name: names[tagId],
      displayName: names[tagId]!.toUpperCase(),
      category,
      color: 'red',
      description: '',
    });
  const tag = (instanceId: string, ids: string[], sessionId?: string) =>
    append(`instance-${instanceId}`, 'InstanceTagged', { instanceId, sessionId, tags: refs(...ids) });
  const untag = (instanceId: string, ids: string[], reason: string) =>
    append(`instance-${instanceId}`, 'InstanceUntagged', { instanceId, tags: refs(...ids), reason });

  beforeAll(async () => {
    await create(prod, 'env'); // 0
    await create(pci, 'compliance'); // 1
    await create(old, 'env'); // 2
    await tag(i1, [prod, pci], session); // 3
    await tag(i2, [prod, old], session); // 4
    await tag(i3, [old]); // 5
    await append(tagStream(pci), 'TagUpdated', { tagId: pci, changes: { color: 'blue' } }); // 6
    await append(tagStream(pci), 'TagDeactivated', { tagId: pci }); // 7
    await untag(i1, [prod], 'removed'); // 8
    await tag(i1, [prod]); // 9
    // A forced deletion: every instance untagged first, then the tag deleted.
    await untag(i2, [old], 'tag_deleted'); // 10
    await untag(i3, [old], 'tag_deleted'); // 11
    await append(tagStream(old), 'TagDeleted', { tagId: old, forced: true }); // 12
    // The instance goes to the recycle bin: its tags stay (restorable).
    await append(`instance-${i2}`, 'InstanceDeleted', { instanceId: i2 }); // 13
    await spec.catchUp(spec.runner({ batchSize: 1 }));
  });

  it('tags: created, updated, deactivated, deleted (the row stays, with deleted_at)', async () => {
    const rows = await spec.db.knex('tags').orderBy('name');
    expect(
      rows.map((r: Record<string, unknown>) => [
        r.name,
        r.display_name,
        r.category,
        r.color,
        r.is_active,
        iso(r.updated_at),
        iso(r.deleted_at),
      ]),
    ).toEqual([
      ['old', 'OLD', 'env', 'red', true, '2026-12-02T10:12:00.123Z', '2026-12-02T10:12:00.123Z'],
      ['pci', 'PCI', 'compliance', 'blue', false, '2026-12-02T10:07:00.123Z', null],
      ['prod', 'PROD', 'env', 'red', true, '2026-12-02T10:00:00.123Z', null],
    ]);
  });

  it('instance_tags: what each instance holds now, with the time and the session that tagged it', async () => {
    const rows = await spec.db.knex('instance_tags').select<Record<string, unknown>[]>('*');
    const view = rows.map((r) => [r.instance_id, names[r.tag_id as string], iso(r.tagged_at), r.session_id]);
    const byPair = (a: unknown[], b: unknown[]) =>
      String(a[0]) + String(a[1]) < String(b[0]) + String(b[1]) ? -1 : 1;
    expect(view.sort(byPair)).toEqual(
      [
        [i1, 'pci', '2026-12-02T10:03:00.123Z', session],
        [i1, 'prod', '2026-12-02T10:09:00.123Z', null],
        [i2, 'prod', '2026-12-02T10:04:00.123Z', session],
      ].sort(byPair),
    );
    // Microseconds are kept (timestamptz), not cut to the millisecond of a Date.
    const [{ t }] = (
      await spec.db.knex.raw<{ rows: { t: string }[] }>(
        `SELECT to_char(tagged_at AT TIME ZONE 'UTC', 'SS.US') AS t FROM instance_tags WHERE instance_id = ?`,
        [i2],
      )
    ).rows as [{ t: string }];
    expect(t).toBe('00.123456');
  });

  it('the live tables equal a rebuild from events', async () => {
    await spec.expectRebuildMatchesLive();
  });
});
