// Bulk tagging on real PostgreSQL through the real session runner: a receipt per instance; an instance
// deleted mid-request fails alone with its code while the others are applied (defect 9); ten concurrent
// bulk assigns of the same tags to the same 200 instances give each instance each tag exactly once, in
// exactly one InstanceTagged, with no failed item (defect 10); an Idempotency-Key answers a retry with the
// first receipt, refuses a reused key with another body, and lets two simultaneous retries share one
// session; the request limits; remove and remove-all (a deleted instance can lose tags).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal } from '../../../test/support/caught.js';
import type { EventStore } from '../../adapters/eventStore/port.js';
import {
  expectTagIndexesMatchStreams,
  tagsWrites,
  userCtx as ctx,
  type TagsWrites,
} from '../../../test/support/tagsWrites.js';
import { instanceStream } from '../../domain/instances/events.js';
import { sessionStream } from '../../domain/sessions/events.js';
import type { TagRef } from '../../domain/tags/events.js';
import { makeDeleteInstance } from '../instances.js';
import { BULK_LIMITS, makeBulkTags } from './bulk.js';

describe('bulk tags', () => {
  let w: TagsWrites;
  let bulk: ReturnType<typeof makeBulkTags>;
  let prod: string;
  let pci: string;
  const refs = (...ids: string[]): TagRef[] =>
    ids.map((tagId) => ({ tagId, name: tagId === prod ? 'prod' : tagId === pci ? 'pci' : tagId }));

  beforeAll(async () => {
    w = await tagsWrites();
    bulk = makeBulkTags(w.sessionRun);
    prod = await w.tag('prod');
    pci = await w.tag('pci');
  });
  afterAll(() => w.close());

  it('answers a receipt per instance, in order; a repeat is unchanged and appends nothing', async () => {
    const ids = await w.instances('receipt', 3);
    const first = await bulk({ action: 'assign', instanceIds: ids, tagIds: [prod, pci] }, ctx());
    expect(first.ended).toBe(true);
    expect(first.counts).toEqual({ applied: 3, unchanged: 0, failed: 0 });
    expect(first.items).toEqual(
      ids.map((instanceId, n) => ({
        instanceId,
        instanceName: `receipt-${n}`,
        status: 'applied',
        added: refs(prod, pci),
        removed: [],
        messageCode: null,
        message: null,
      })),
    );
    const session = await w.store.readStream(sessionStream(first.sessionId));
    expect(session[0]).toMatchObject({ type: 'SessionStarted', data: { category: 'tags' } });
    expect(session.at(-1)).toMatchObject({ type: 'SessionCompleted', data: { status: 'completed' } });
    const tagged = (await w.store.readStream(instanceStream(ids[0]!))).at(-1)!;
    expect(tagged).toMatchObject({
      type: 'InstanceTagged',
      data: { sessionId: first.sessionId, tags: refs(prod, pci) },
      metadata: { sessionId: first.sessionId, instanceId: ids[0] },
    });

    const again = await bulk({ action: 'assign', instanceIds: ids, tagIds: [pci] }, ctx());
    expect(again.counts).toEqual({ applied: 0, unchanged: 3, failed: 0 });
    expect(await w.store.readStream(instanceStream(ids[0]!))).toHaveLength(2);
    await expectTagIndexesMatchStreams(w);
  });

  it('defect 9: an instance deleted mid-request fails alone, named in the receipt with its code', async () => {
    const ids = await w.instances('mid', 5);
    const victim = ids[2]!;
    // The victim is deleted right after its record read its stream (the second read: the first resolves
    // the session's target), so the record's append meets the deletion and decides again on fresh state.
    let reads = 0;
    const store: EventStore = {
      ...w.store,
      readStream: async (stream, options) => {
        const events = await w.store.readStream(stream, options);
        if (stream === instanceStream(victim) && ++reads === 2)
          await makeDeleteInstance({ store: w.store })(victim, ctx());
        return events;
      },
    };
    const receipt = await makeBulkTags({ ...w.sessionRun, store })(
      { action: 'assign', instanceIds: ids, tagIds: [prod] },
      ctx(),
      { concurrency: 1 },
    );
    expect(reads).toBeGreaterThanOrEqual(3); // decided again after the conflict
    expect(receipt.counts).toEqual({ applied: 4, unchanged: 0, failed: 1 });
    expect(receipt.items[2]).toMatchObject({
      instanceId: victim,
      instanceName: 'mid-2',
      status: 'failed',
      added: [],
      messageCode: 'INSTANCE_DELETED',
    });
    for (const id of ids.filter((i) => i !== victim))
      expect((await w.store.readStream(instanceStream(id))).map((e) => e.type)).toEqual([
        'InstanceRegistered',
        'InstanceTagged',
      ]);
    expect((await w.store.readStream(instanceStream(victim))).map((e) => e.type)).toEqual([
      'InstanceRegistered',
      'InstanceDeleted',
    ]);
    const [failed] = (await w.store.readStream(sessionStream(receipt.sessionId))).filter(
      (e) => e.type === 'InstanceSyncFailed',
    );
    expect(failed).toMatchObject({
      data: { instanceId: victim, phase: 'tag', messageCode: 'INSTANCE_DELETED' },
    });
    // An instance already in the recycle bin is refused the same way, and still loses tags.
    const later = await bulk({ action: 'assign', instanceIds: [victim, ids[0]!], tagIds: [pci] }, ctx());
    expect(later.items.map((i) => [i.status, i.messageCode])).toEqual([
      ['failed', 'INSTANCE_DELETED'],
      ['applied', null],
    ]);
    await expectTagIndexesMatchStreams(w);
  });

  it('defect 10: ten concurrent assigns of the same tags to the same 200 instances tag each once', async () => {
    const ids = await w.instances('conc', 200);
    const tagIds = [prod, pci];
    // Each read of an instance stream answers 10 ms late, as from a busy server: the ten requests decide
    // on the same state at the same time, so their appends do meet (without the pause they mostly do not).
    const slow: EventStore = {
      ...w.store,
      readStream: async (stream, options) => {
        const events = await w.store.readStream(stream, options);
        if (stream.startsWith('instance-')) await new Promise((r) => setTimeout(r, 10));
        return events;
      },
    };
    const slowBulk = makeBulkTags({ ...w.sessionRun, store: slow });
    const receipts = await Promise.all(
      Array.from({ length: 10 }, () => slowBulk({ action: 'assign', instanceIds: ids, tagIds }, ctx())),
    );
    for (const r of receipts) expect(r.counts.failed).toBe(0);
    for (const [n, id] of ids.entries()) {
      const tagged = (await w.store.readStream(instanceStream(id))).filter(
        (e) => e.type === 'InstanceTagged',
      );
      const given = tagged.flatMap((e) => (e.data as { tags: TagRef[] }).tags.map((t) => t.tagId));
      expect(given.sort()).toEqual([...tagIds].sort());
      // The receipts agree with the log: the tags added across the ten answers are those of the events.
      const added = receipts.flatMap((r) => r.items[n]!.added.map((t) => t.tagId));
      expect(added.sort()).toEqual([...tagIds].sort());
      expect(receipts.filter((r) => r.items[n]!.status === 'applied').length).toBe(tagged.length);
    }
    await expectTagIndexesMatchStreams(w);
  }, 120_000);

  it('an Idempotency-Key answers a retry with the first receipt, and refuses it for another body', async () => {
    const ids = await w.instances('idem', 4);
    const request = { action: 'assign' as const, instanceIds: ids, tagIds: [prod] };
    const first = await bulk(request, ctx(), { idempotencyKey: 'k-1' });
    const retry = await bulk({ ...request, instanceIds: [...ids].reverse() }, ctx(), {
      idempotencyKey: 'k-1',
    });
    expect(retry).toEqual(first);
    expect(first.counts.applied).toBe(4);
    const sessions = await w.db
      .knex('streams')
      .where('stream_id', 'like', 'session-%')
      .count<{ n: string }[]>({ n: '*' });
    expect(
      await refusal(bulk({ ...request, tagIds: [pci] }, ctx(), { idempotencyKey: 'k-1' })),
    ).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    // Another user's key of the same name is theirs.
    const other = { ...ctx(), actor: { kind: 'user' as const, id: 'someone-else' } };
    const theirs = await bulk({ ...request, tagIds: [pci] }, other, { idempotencyKey: 'k-1' });
    expect(theirs.sessionId).not.toBe(first.sessionId);
    // Two simultaneous requests with one key: one session, one receipt.
    const both = await Promise.all([
      bulk({ action: 'remove', instanceIds: ids, tagIds: [prod] }, ctx(), { idempotencyKey: 'k-2' }),
      bulk({ action: 'remove', instanceIds: ids, tagIds: [prod] }, ctx(), { idempotencyKey: 'k-2' }),
    ]);
    expect(both[1]).toEqual(both[0]);
    expect(both[0].counts.applied).toBe(4);
    const after = await w.db
      .knex('streams')
      .where('stream_id', 'like', 'session-%')
      .count<{ n: string }[]>({ n: '*' });
    expect(Number(after[0]!.n)).toBe(Number(sessions[0]!.n) + 2); // theirs, and k-2's one
    // A request refused before its session started frees its key.
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(
      await refusal(bulk({ ...request, instanceIds: [unknown] }, ctx(), { idempotencyKey: 'k-3' })),
    ).toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
    expect((await bulk(request, ctx(), { idempotencyKey: 'k-3' })).counts.applied).toBe(4);
  });

  it('refuses requests over the limits, naming them, and unknown or inactive tags', async () => {
    const many = Array.from(
      { length: BULK_LIMITS.instances + 1 },
      (_, n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    );
    expect(await refusal(bulk({ action: 'assign', instanceIds: many, tagIds: [prod] }, ctx()))).toMatchObject(
      {
        code: 'VALIDATION_ERROR',
        message: expect.stringContaining('at most 1000 instances'),
      },
    );
    const [id] = await w.instances('limits', 1);
    const tags = Array.from(
      { length: BULK_LIMITS.tags + 1 },
      (_, n) => `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`,
    );
    expect(await refusal(bulk({ action: 'assign', instanceIds: [id!], tagIds: tags }, ctx()))).toMatchObject({
      code: 'VALIDATION_ERROR',
      message: expect.stringContaining('at most 50 tags'),
    });
    expect(
      await refusal(bulk({ action: 'assign', instanceIds: [id!], tagIds: [tags[0]!] }, ctx())),
    ).toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
    expect(await refusal(bulk({ action: 'remove', instanceIds: [id!], tagIds: [] }, ctx()))).toMatchObject({
      code: 'VALIDATION_ERROR',
    });
  });

  it('removes some tags, then all, from live and deleted instances; nothing held is unchanged', async () => {
    const ids = await w.instances('rm', 3);
    await bulk({ action: 'assign', instanceIds: ids, tagIds: [prod, pci] }, ctx());
    await makeDeleteInstance({ store: w.store })(ids[1]!, ctx());
    const removed = await bulk({ action: 'remove', instanceIds: ids.slice(0, 2), tagIds: [pci] }, ctx());
    expect(removed.items.map((i) => [i.status, i.removed])).toEqual([
      ['applied', refs(pci)],
      ['applied', refs(pci)],
    ]);
    const all = await bulk({ action: 'remove_all', instanceIds: ids, tagIds: [] }, ctx());
    expect(all.items.map((i) => [i.status, i.removed])).toEqual([
      ['applied', refs(prod)],
      ['applied', refs(prod)],
      ['applied', refs(prod, pci)],
    ]);
    const last = (await w.store.readStream(instanceStream(ids[2]!))).at(-1)!;
    expect(last).toMatchObject({ type: 'InstanceUntagged', data: { reason: 'remove_all' } });
    const none = await bulk({ action: 'remove_all', instanceIds: ids, tagIds: [] }, ctx());
    expect(none.counts).toEqual({ applied: 0, unchanged: 3, failed: 0 });
    await expectTagIndexesMatchStreams(w);
  });
});
