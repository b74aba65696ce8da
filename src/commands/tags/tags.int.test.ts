// Tag writes on real PostgreSQL: create, names unique in any case (a deleted tag's name free again),
// rename, deactivate (no longer assignable) and reactivate; a tag in use not deleted (TAG_IN_USE), a forced
// delete untagging each holder before TagDeleted; batch delete with one receipt per tag; a delete racing
// an assignment either counts it or the assignment finds the tag gone. After each step the write-side
// tables say what the streams say.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal } from '../../../test/support/caught.js';
import {
  expectTagIndexesMatchStreams,
  tagsWrites,
  userCtx as ctx,
  type TagsWrites,
} from '../../../test/support/tagsWrites.js';
import { instanceStream } from '../../domain/instances/events.js';
import { tagStream } from '../../domain/tags/events.js';
import { tagInstance } from './instanceTags.js';
import { makeBatchDeleteTags, makeDeleteTag, makeUpdateTag } from './tags.js';

describe('tag writes', () => {
  let w: TagsWrites;
  let update: ReturnType<typeof makeUpdateTag>;
  let remove: ReturnType<typeof makeDeleteTag>;
  const types = async (stream: string) => (await w.store.readStream(stream)).map((e) => e.type);
  const assign = (instanceId: string, ...tags: { tagId: string; name: string }[]) =>
    tagInstance(w.sessionRun, { type: 'assign', instanceId, tags }, ctx());

  beforeAll(async () => {
    w = await tagsWrites();
    update = makeUpdateTag(w.sessionRun);
    remove = makeDeleteTag(w.sessionRun);
  });
  afterAll(() => w.close());

  it('keeps names unique in any case, renames, and frees the name of a deleted tag', async () => {
    const prod = await w.tag('prod');
    expect(await refusal(w.tag('PROD'))).toMatchObject({ code: 'NAME_EXISTS' });
    await update({ tagId: prod, changes: { name: 'Prod' } }, ctx()); // a change of case only
    const other = await w.tag('other');
    expect(await refusal(update({ tagId: other, changes: { name: 'prod' } }, ctx()))).toMatchObject({
      code: 'NAME_EXISTS',
    });
    await remove({ tagId: other }, ctx());
    expect(await types(tagStream(other))).toEqual(['TagCreated', 'TagDeleted']);
    await w.tag('other'); // free again
    expect(await refusal(update({ tagId: other, changes: { color: 'red' } }, ctx()))).toMatchObject({
      code: 'RESOURCE_NOT_FOUND',
    });
    await expectTagIndexesMatchStreams(w);
  });

  it('deactivates (not assignable, kept where held) and reactivates; no change appends nothing', async () => {
    const [i1] = await w.instances('act', 1);
    const tagId = await w.tag('staging');
    const ref = { tagId, name: 'staging' };
    await assign(i1!, ref);
    expect((await update({ tagId, changes: {}, isActive: false }, ctx())).position).not.toBeNull();
    expect((await update({ tagId, changes: {}, isActive: false }, ctx())).position).toBeNull();
    const [i2] = await w.instances('act2', 1);
    expect(await refusal(assign(i2!, ref))).toMatchObject({ code: 'TAG_INACTIVE' });
    await expectTagIndexesMatchStreams(w); // still held by i1
    await update({ tagId, changes: { description: 'pre-production' }, isActive: true }, ctx());
    expect(await types(tagStream(tagId))).toEqual([
      'TagCreated',
      'TagDeactivated',
      'TagUpdated',
      'TagUpdated',
    ]);
    expect((await assign(i2!, ref)).status).toBe('applied');
    await expectTagIndexesMatchStreams(w);
  });

  it('refuses to delete a tag in use; force untags every holder first, in one transaction', async () => {
    const ids = await w.instances('held', 3);
    const tagId = await w.tag('pci');
    const ref = { tagId, name: 'pci' };
    for (const id of ids.slice(0, 2)) await assign(id, ref);
    expect(await refusal(remove({ tagId }, ctx()))).toMatchObject({
      code: 'TAG_IN_USE',
      context: { holderCount: 2 },
    });
    expect(await types(tagStream(tagId))).toEqual(['TagCreated']);
    const { untagged } = await remove({ tagId, force: true }, ctx());
    expect(untagged).toBe(2);
    for (const id of ids.slice(0, 2)) {
      const [, last] = await w.store.readStream(instanceStream(id), { from: 1n });
      expect(last).toMatchObject({
        type: 'InstanceUntagged',
        data: { tags: [ref], reason: 'tag_deleted' },
      });
    }
    expect(await types(instanceStream(ids[2]!))).toEqual(['InstanceRegistered']);
    const [deleted] = await w.store.readStream(tagStream(tagId), { from: 1n });
    expect(deleted).toMatchObject({ type: 'TagDeleted', data: { forced: true } });
    await expectTagIndexesMatchStreams(w);
  });

  it('batch delete answers one receipt per tag: in use, unknown and deleted apart', async () => {
    const [i] = await w.instances('batch', 1);
    const used = await w.tag('used');
    const free = await w.tag('free');
    await assign(i!, { tagId: used, name: 'used' });
    const unknown = randomUUID();
    const outcomes = await makeBatchDeleteTags(w.sessionRun)({ tagIds: [used, free, unknown] }, ctx());
    expect(outcomes).toEqual([
      expect.objectContaining({ tagId: used, name: 'used', status: 'failed', messageCode: 'TAG_IN_USE' }),
      { tagId: free, name: 'free', status: 'deleted', untagged: 0 },
      expect.objectContaining({
        tagId: unknown,
        name: null,
        status: 'failed',
        messageCode: 'RESOURCE_NOT_FOUND',
      }),
    ]);
    await expectTagIndexesMatchStreams(w);
  });

  it('a delete racing assignments either counts them (TAG_IN_USE) or they find the tag gone', async () => {
    const ids = await w.instances('race', 20);
    for (let round = 0; round < 5; round++) {
      const tagId = await w.tag(`race-${round}`);
      const ref = { tagId, name: `race-${round}` };
      const results = await Promise.allSettled([
        ...ids.map((id) => assign(id, ref)),
        remove({ tagId }, ctx()),
      ]);
      const deleted = results.at(-1)!.status === 'fulfilled';
      const applied = results.slice(0, -1).filter((r) => r.status === 'fulfilled').length;
      for (const r of results.slice(0, -1))
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
      // Deleted: no assignment landed (none was counted); refused: it was counted, so some had landed.
      if (deleted) expect(applied).toBe(0);
      else expect(results.at(-1)).toMatchObject({ reason: { code: 'TAG_IN_USE' } });
      await expectTagIndexesMatchStreams(w);
    }
  });
});
