// One contract every EventStore implementation passes (src/adapters/eventStore/port.ts, docs/decisions.md).
// Streams are unique per test, so the suite also runs against a shared, non-empty store.
import { firstValueFrom, take, toArray, filter, timeout } from 'rxjs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparePositions, type RecordedEvent } from '../../src/domain/events/envelope.js';
import {
  FencedAppendError,
  WrongExpectedRevisionError,
  type EventStore,
  type ExpectedRevision,
} from '../../src/adapters/eventStore/port.js';
import { anEvent, numbered, testMetadata, uniqueStream } from '../support/eventFactory.js';

export interface ContractTarget {
  store: EventStore;
  teardown(): Promise<void>;
}

const dataOf = (events: RecordedEvent[]) => events.map((e) => e.data);

async function expectWrongRevision(p: Promise<unknown>, actual: bigint | 'no_stream'): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WrongExpectedRevisionError);
  expect((err as WrongExpectedRevisionError).actual).toBe(actual);
}

export function eventStoreContract(name: string, open: () => Promise<ContractTarget>): void {
  describe(`event store contract: ${name}`, () => {
    let target: ContractTarget;
    let store: EventStore;
    beforeAll(async () => {
      target = await open();
      store = target.store;
    });
    afterAll(async () => target?.teardown());

    it('appends and reads a stream in order, with 0-based revisions', async () => {
      const s = uniqueStream();
      const first = await store.append(s, numbered(3), { expectedRevision: 'no_stream' });
      expect(first.nextExpectedRevision).toBe(2n);
      const second = await store.append(s, numbered(2, 'TestHappened', 3), { expectedRevision: 2n });
      expect(second.nextExpectedRevision).toBe(4n);
      expect(comparePositions(second.position, first.position)).toBe(1);

      const events = await store.readStream(s);
      expect(events.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n]);
      expect(dataOf(events)).toEqual([0, 1, 2, 3, 4].map((n) => ({ n })));
      expect(events.every((e) => e.streamId === s && e.schemaVersion === 1)).toBe(true);
      expect(await store.streamRevision(s)).toBe(4n);

      expect(dataOf(await store.readStream(s, { from: 3n }))).toEqual([{ n: 3 }, { n: 4 }]);
      expect(dataOf(await store.readStream(s, { direction: 'backwards', maxCount: 2 }))).toEqual([
        { n: 4 },
        { n: 3 },
      ]);
      expect(dataOf(await store.readStream(s, { from: 1n, direction: 'backwards' }))).toEqual([
        { n: 1 },
        { n: 0 },
      ]);
      expect(await store.readStream(uniqueStream('missing'))).toEqual([]);
      expect(await store.streamRevision(uniqueStream('missing'))).toBeUndefined();
    });

    it('keeps the envelope: ids, metadata, schema version, record time', async () => {
      const s = uniqueStream();
      const e = { ...anEvent('Versioned', { a: 'b', nested: { list: [1, 2] } }, 3) };
      await store.append(s, [e], { expectedRevision: 'any' });
      const [read] = await store.readStream(s);
      expect(read).toMatchObject({
        eventId: e.eventId,
        type: 'Versioned',
        schemaVersion: 3,
        data: e.data,
        metadata: e.metadata,
      });
      expect(read!.recordedAt).toBeInstanceOf(Date);
    });

    it.each<[string, ExpectedRevision, boolean, bigint | 'no_stream']>([
      ['no_stream on a new stream', 'no_stream', false, 'no_stream'],
      ['any on a new stream', 'any', false, 'no_stream'],
      ['stream_exists on a new stream', 'stream_exists', false, 'no_stream'],
      ['revision 0 on a new stream', 0n, false, 'no_stream'],
    ])('expected revision: %s', async (_title, expected, exists, actual) => {
      const s = uniqueStream();
      if (exists) await store.append(s, numbered(1), { expectedRevision: 'no_stream' });
      const p = store.append(s, numbered(1), { expectedRevision: expected });
      if (expected === 'no_stream' || expected === 'any') {
        expect((await p).nextExpectedRevision).toBe(0n);
      } else {
        await expectWrongRevision(p, actual);
      }
    });

    it('expected revision on an existing stream: no_stream fails, any / stream_exists / the right revision succeed, a wrong revision fails', async () => {
      const s = uniqueStream();
      await store.append(s, numbered(2), { expectedRevision: 'no_stream' }); // revision 1
      await expectWrongRevision(store.append(s, numbered(1), { expectedRevision: 'no_stream' }), 1n);
      expect((await store.append(s, numbered(1), { expectedRevision: 'any' })).nextExpectedRevision).toBe(2n);
      expect(
        (await store.append(s, numbered(1), { expectedRevision: 'stream_exists' })).nextExpectedRevision,
      ).toBe(3n);
      expect((await store.append(s, numbered(1), { expectedRevision: 3n })).nextExpectedRevision).toBe(4n);
      await expectWrongRevision(store.append(s, numbered(1), { expectedRevision: 3n }), 4n);
      await expectWrongRevision(store.append(s, numbered(1), { expectedRevision: 9n }), 4n);
      expect(await store.readStream(s)).toHaveLength(5);
    });

    it('20 concurrent appenders at one revision: exactly one wins, the rest get a concurrency error', async () => {
      const s = uniqueStream();
      await store.append(s, numbered(1), { expectedRevision: 'no_stream' });
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          store.append(s, [anEvent('Raced', { writer: i })], { expectedRevision: 0n }),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(19);
      for (const l of lost) expect(l.reason).toBeInstanceOf(WrongExpectedRevisionError);
      expect(await store.readStream(s)).toHaveLength(2);
    });

    it('20 concurrent appenders that reload and retry: every revision is won exactly once, nothing lost', async () => {
      const s = uniqueStream();
      const perWriter = 5;
      let conflicts = 0;
      await Promise.all(
        Array.from({ length: 20 }, async (_, writer) => {
          for (let k = 0; k < perWriter; k++) {
            for (;;) {
              const current = await store.streamRevision(s);
              try {
                await store.append(s, [anEvent('Counted', { writer, k })], {
                  expectedRevision: current ?? 'no_stream',
                });
                break;
              } catch (err) {
                if (!(err instanceof WrongExpectedRevisionError)) throw err;
                conflicts++;
              }
            }
          }
        }),
      );
      const events = await store.readStream(s);
      expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(i)));
      const keys = new Set(events.map((e) => JSON.stringify(e.data)));
      expect(keys.size).toBe(100);
      expect(conflicts).toBeGreaterThan(0);
    });

    it('the same event id appended twice is stored once, and the retry returns the original result', async () => {
      const s = uniqueStream();
      const batch = numbered(2);
      const first = await store.append(s, batch, { expectedRevision: 'no_stream' });
      const again = await store.append(s, batch, { expectedRevision: 'no_stream' });
      expect(again).toEqual(first);
      const any = await store.append(s, batch, { expectedRevision: 'any' });
      expect(any.nextExpectedRevision).toBe(first.nextExpectedRevision);
      expect(await store.readStream(s)).toHaveLength(2);
    });

    it('the same event id appended concurrently is stored once', async () => {
      const s = uniqueStream();
      const e = anEvent('Once');
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, () => store.append(s, [e], { expectedRevision: 'any' })),
      );
      expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
      expect(await store.readStream(s)).toHaveLength(1);
    });

    describe('fenced appends: only while the latest event about the key is the fence event', () => {
      const about = (instanceId: string, type = 'RecordEvent') => anEvent(type, { instanceId });
      const fencedOut = async (p: Promise<unknown>) => {
        const err = await p.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(FencedAppendError);
        return err as FencedAppendError;
      };

      it('lands while the fence event is the latest about its key, events about other keys notwithstanding', async () => {
        const [session, target] = [uniqueStream('session'), uniqueStream('accounts')];
        const started = about('i-1', 'Started');
        await store.append(session, [anEvent('Opened', {}), started], { expectedRevision: 'no_stream' });
        await store.append(session, [about('i-2'), about('i-3')], { expectedRevision: 'any' });
        const fence = { stream: session, key: 'i-1', eventId: started.eventId };
        await store.append(target, numbered(2), { expectedRevision: 'no_stream', fence });
        await store.append(target, numbered(1), { expectedRevision: 1n, fence: [fence] });
        expect(await store.readStream(target)).toHaveLength(3);
      });

      it('refuses once another event about the key followed, and stores nothing', async () => {
        const [session, target] = [uniqueStream('session'), uniqueStream('accounts')];
        const started = about('i-1', 'Started');
        const ended = about('i-1', 'Ended');
        await store.append(session, [started, ended], { expectedRevision: 'no_stream' });
        const fence = { stream: session, key: 'i-1', eventId: started.eventId };
        const err = await fencedOut(store.append(target, numbered(2), { expectedRevision: 'any', fence }));
        expect(err).toMatchObject({ streamId: target, fence, latestEventId: ended.eventId });
        expect(await store.readStream(target)).toEqual([]);
        expect(await store.streamRevision(target)).toBeUndefined();
      });

      it('refuses a fence with no event about its key, on a missing stream, and when one of several fences fails', async () => {
        const [session, target] = [uniqueStream('session'), uniqueStream('accounts')];
        const started = about('i-1', 'Started');
        await store.append(session, [started, about('i-2', 'Started')], { expectedRevision: 'no_stream' });
        const good = { stream: session, key: 'i-1', eventId: started.eventId };
        await fencedOut(
          store.append(target, numbered(1), {
            expectedRevision: 'any',
            fence: { ...good, key: 'i-9' },
          }),
        );
        await fencedOut(
          store.append(target, numbered(1), {
            expectedRevision: 'any',
            fence: { ...good, stream: uniqueStream('session') },
          }),
        );
        const err = await fencedOut(
          store.append(target, numbered(1), {
            expectedRevision: 'any',
            fence: [good, { ...good, key: 'i-2' }],
          }),
        );
        expect(err.fence.key).toBe('i-2');
        expect(await store.readStream(target)).toEqual([]);
      });

      it('a retry of a fenced append that landed returns the original result, though the fence ended since', async () => {
        const [session, target] = [uniqueStream('session'), uniqueStream('accounts')];
        const started = about('i-1', 'Started');
        await store.append(session, [started], { expectedRevision: 'no_stream' });
        const fence = { stream: session, key: 'i-1', eventId: started.eventId };
        const batch = numbered(2);
        const first = await store.append(target, batch, { expectedRevision: 'no_stream', fence });
        await store.append(session, [about('i-1', 'Ended')], { expectedRevision: 0n });
        expect(await store.append(target, batch, { expectedRevision: 'no_stream', fence })).toEqual(first);
        await fencedOut(store.append(target, numbered(1), { expectedRevision: 1n, fence }));
        expect(await store.readStream(target)).toHaveLength(2);
      });
    });

    it('reads all streams in one global order that matches the order of appends', async () => {
      const [a, b, c] = [uniqueStream('a'), uniqueStream('b'), uniqueStream('c')];
      const head = await store.headPosition();
      const order: string[] = [];
      for (const [i, s] of [a, b, a, c, b, a].entries()) {
        await store.append(s, [anEvent('Interleaved', { i })], { expectedRevision: 'any' });
        order.push(`${s}:${i}`);
      }
      const mine = new Set([a, b, c]);
      const all = (await store.readAll({ fromPosition: head })).filter((e) => mine.has(e.streamId));
      expect(all.map((e) => `${e.streamId}:${(e.data as { i: number }).i}`)).toEqual(order);
      for (let i = 1; i < all.length; i++)
        expect(comparePositions(all[i]!.position, all[i - 1]!.position)).toBe(1);

      // fromPosition is exclusive, and maxCount pages through without skipping or repeating.
      const paged: RecordedEvent[] = [];
      let from = head;
      for (;;) {
        const page = await store.readAll({ fromPosition: from, maxCount: 2 });
        if (page.length === 0) break;
        paged.push(...page);
        from = page[page.length - 1]!.position;
      }
      expect(paged.filter((e) => mine.has(e.streamId)).map((e) => e.eventId)).toEqual(
        all.map((e) => e.eventId),
      );
      expect(
        comparePositions(await store.headPosition(), all[all.length - 1]!.position),
      ).toBeGreaterThanOrEqual(0);
    });

    it('subscribeAll catches up, then delivers live events in order', async () => {
      const s = uniqueStream('sub');
      const head = await store.headPosition();
      await store.append(s, numbered(3), { expectedRevision: 'no_stream' });
      const received = firstValueFrom(
        store.subscribeAll({ fromPosition: head }).pipe(
          filter((e) => e.streamId === s),
          take(6),
          toArray(),
          timeout(20_000),
        ),
      );
      await new Promise((r) => setTimeout(r, 300));
      await store.append(s, numbered(2, 'TestHappened', 3), { expectedRevision: 2n });
      await store.append(s, numbered(1, 'TestHappened', 5), { expectedRevision: 4n });
      expect(dataOf(await received)).toEqual([0, 1, 2, 3, 4, 5].map((n) => ({ n })));
    });

    it('subscribeAll from a position delivers only what comes after it', async () => {
      const s = uniqueStream('sub');
      await store.append(s, numbered(2), { expectedRevision: 'no_stream' });
      const [, second] = await store.readStream(s);
      const received = firstValueFrom(
        store.subscribeAll({ fromPosition: second!.position }).pipe(
          filter((e) => e.streamId === s),
          take(1),
          timeout(20_000),
        ),
      );
      await store.append(s, numbered(1, 'TestHappened', 2), { expectedRevision: 1n });
      expect((await received).data).toEqual({ n: 2 });
    });

    it('readBySession: the events of every stream that carry the session id, in global order', async () => {
      const [session, other] = [randomUUID(), randomUUID()];
      const of = (sessionId: string | undefined, label: string) => ({
        ...anEvent('SessionWork', { label }),
        metadata: testMetadata(sessionId ? { sessionId } : {}),
      });
      const [a, b] = [uniqueStream('session'), uniqueStream('accounts')];
      const first = await store.append(a, [of(session, 'started')], { expectedRevision: 'no_stream' });
      await store.append(b, [of(session, 'inventory'), of(other, 'elsewhere')], { expectedRevision: 'any' });
      await store.append(b, [of(undefined, 'no session')], { expectedRevision: 'any' });
      await store.append(a, [of(session, 'completed')], { expectedRevision: 'any' });
      await store.append(b, [of(session, 'permissions')], { expectedRevision: 'any' });

      const labels = (events: RecordedEvent[]) => events.map((e) => (e.data as { label: string }).label);
      const all = await store.readBySession(session);
      expect(labels(all)).toEqual(['started', 'inventory', 'completed', 'permissions']);
      expect(all.map((e) => e.streamId)).toEqual([a, b, a, b]);
      for (let i = 1; i < all.length; i++)
        expect(comparePositions(all[i]!.position, all[i - 1]!.position)).toBe(1);
      // fromPosition is exclusive: from the first event, the rest.
      expect(labels(await store.readBySession(session, { fromPosition: first.position }))).toEqual([
        'inventory',
        'completed',
        'permissions',
      ]);
      expect(await store.readBySession(randomUUID())).toEqual([]);
    });
  });
}
