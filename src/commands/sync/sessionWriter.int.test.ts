// Two writers of one session (two processes running its records): an append that meets the other's write
// reads only the events after the revision it knew, folds them on, and decides again on the session as it
// is now (a record the other started is refused, one it did not is started), on the real store.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore, ReadStreamOptions } from '../../adapters/eventStore/port.js';
import { openValidatedStore, type ValidatedStore } from '../../../test/support/validatedStore.js';
import { loadSession, SessionWriter } from './sessionWriter.js';

const ctx = { actor: { kind: 'scheduler' as const, id: 'scheduler' }, correlationId: 'c', now: new Date() };
const opening = { now: new Date(), leaseMs: 60_000 };

describe('session writer: a concurrent write by another writer', () => {
  let s: ValidatedStore;
  beforeAll(async () => {
    s = await openValidatedStore();
  });
  afterAll(async () => {
    await s?.close();
  });

  /** The store, with every readStream of it noted. */
  const noting = (reads: (ReadStreamOptions | undefined)[]): EventStore => ({
    ...s.store,
    readStream: (streamId, options) => (reads.push(options), s.store.readStream(streamId, options)),
  });

  it('catches up from the revision it knew instead of reading the whole stream again', async () => {
    const sessionId = randomUUID();
    const [r1, r2, r3] = [randomUUID(), randomUUID(), randomUUID()] as const;
    const instances = [r1, r2, r3].map((instanceId, n) => ({ instanceId, instanceName: `r${n + 1}` }));
    const readsA: (ReadStreamOptions | undefined)[] = [];
    const a = new SessionWriter(noting(readsA), sessionId, ctx);
    const b = new SessionWriter(s.store, sessionId, ctx);
    await a.execute({ type: 'StartSession', category: 'capacity', syncType: 'manual_batch', instances });
    await b.execute({ type: 'StartRecord', instanceId: r1, ...opening }); // b reads the stream: revision 0
    expect(readsA).toHaveLength(1); // a's first command: the stream did not exist yet

    // a still holds revision 0: its append conflicts, it reads what b appended (revision 1 on) and retries.
    const second = await a.execute({ type: 'StartRecord', instanceId: r2, ...opening });
    expect(readsA).toHaveLength(2);
    expect(readsA[1]).toMatchObject({ from: 1n });
    expect(second.state.records.get(r1)?.status).toBe('running');
    expect(second.state.records.get(r2)?.status).toBe('running');

    // b's turn: it catches up on a's StartRecord, and a record a started is refused.
    await expect(b.execute({ type: 'StartRecord', instanceId: r2, ...opening })).rejects.toThrow();
    await b.execute({ type: 'StartRecord', instanceId: r3, ...opening });

    // What the writers hold is the session as its stream says.
    const { state, revision } = await loadSession(s.raw, sessionId);
    expect(revision).toBe(3n);
    expect([...state.records.values()].map((r) => r.status)).toEqual(['running', 'running', 'running']);
    const r1done = await a.execute({
      type: 'CompleteRecord',
      instanceId: r1,
      attempt: 1,
      itemsSynced: 1,
      itemsCreated: 0,
      itemsUpdated: 0,
      itemsDeleted: 0,
      details: {},
    });
    expect(readsA[2]).toMatchObject({ from: 3n });
    expect([...r1done.state.records.values()].map((r) => r.status)).toEqual([
      'completed',
      'running',
      'running',
    ]);
  });
});
