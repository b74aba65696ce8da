import pg from 'pg';
import { filter, firstValueFrom, take, timeout, toArray, type Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FencedAppendError } from '../../src/adapters/eventStore/port.js';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { comparePositions, type RecordedEvent } from '../../src/domain/events/envelope.js';
import { anEvent, uniqueStream } from '../support/eventFactory.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';
import { eventStoreContract } from './eventStoreContract.js';

eventStoreContract('PostgreSQL', async () => {
  const db = await createTestDatabase();
  const store = new PostgresEventStore(db.pool, { pollIntervalMs: 250 });
  return {
    store,
    async teardown() {
      await store.close();
      await db.drop();
    },
  };
});

describe('PostgreSQL event store: eventIdAt', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore(db.pool);
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('answers the id readStream gives at each revision, undefined past the end or on a missing stream', async () => {
    const s = uniqueStream();
    await store.append(s, [anEvent('A', { n: 0 }), anEvent('A', { n: 1 }), anEvent('A', { n: 2 })], {
      expectedRevision: 'no_stream',
    });
    const events = await store.readStream(s);
    expect(await Promise.all(events.map((e) => store.eventIdAt(s, e.revision)))).toEqual(
      events.map((e) => e.eventId),
    );
    expect(await store.eventIdAt(s, 3n)).toBeUndefined();
    expect(await store.eventIdAt(uniqueStream('missing'), 0n)).toBeUndefined();
  });
});

const appendSql = `SELECT * FROM wf_append($1, 'any', $2::uuid[], $3::text[], $4::int[], $5::jsonb[], $6::jsonb[])`;
const appendParams = (stream: string, label: string) => {
  const e = anEvent('Gap', { label });
  return [stream, [e.eventId], [e.type], [1], [JSON.stringify(e.data)], [JSON.stringify(e.metadata)]];
};

describe('PostgreSQL event store: the gap case', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  beforeAll(async () => {
    db = await createTestDatabase();
    // Polling is set far beyond the test's time, so delivery must come from notifications.
    store = new PostgresEventStore(db.pool, { pollIntervalMs: 60_000 });
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  const labels = (events$: Observable<RecordedEvent>, ours: (e: RecordedEvent) => boolean, count: number) =>
    firstValueFrom(events$.pipe(filter(ours), take(count), toArray(), timeout(15_000)));

  it('a subscriber that has seen B still receives A, which took a lower position but committed later', async () => {
    // Two streams: appends to one stream serialise on its row, which is not what this test is about.
    const streamA = uniqueStream('gap-a');
    const streamB = uniqueStream('gap-b');
    const ours = (e: RecordedEvent) => e.streamId === streamA || e.streamId === streamB;
    const a = new pg.Client({ connectionString: db.url });
    const b = new pg.Client({ connectionString: db.url });
    await Promise.all([a.connect(), b.connect()]);
    try {
      // B takes its transaction id first, A takes the lower global position, B commits, A commits last.
      await b.query('BEGIN');
      await b.query('SELECT pg_current_xact_id()');
      await a.query('BEGIN');
      const [{ last_prepare: posA }] = (await a.query(appendSql, appendParams(streamA, 'A'))).rows as [
        { last_prepare: string },
      ];
      const [{ last_prepare: posB }] = (await b.query(appendSql, appendParams(streamB, 'B'))).rows as [
        { last_prepare: string },
      ];
      expect(BigInt(posA)).toBeLessThan(BigInt(posB));

      const seen: string[] = [];
      const subscription = store.subscribeAll().subscribe((e) => {
        if (ours(e)) seen.push((e.data as { label: string }).label);
      });
      const both = labels(store.subscribeAll(), ours, 2);
      await b.query('COMMIT');
      await b.query("SELECT pg_notify('wf_events', '')"); // what the store does after an append commits
      // B is visible (its transaction id is below A's): the subscriber delivers it while A is open.
      await expect.poll(() => seen, { timeout: 10_000 }).toEqual(['B']);
      await a.query('COMMIT');
      await a.query("SELECT pg_notify('wf_events', '')");
      await expect.poll(() => seen, { timeout: 10_000 }).toEqual(['B', 'A']);
      subscription.unsubscribe();
      expect((await both).map((e) => (e.data as { label: string }).label)).toEqual(['B', 'A']);

      // A reader that pages with the position of B as its checkpoint still gets A.
      const all = await store.readAll();
      const mine = all.filter(ours);
      const afterB = await store.readAll({ fromPosition: mine[0]!.position });
      expect(afterB.filter(ours).map((e) => (e.data as { label: string }).label)).toEqual(['A']);
    } finally {
      await a.query('ROLLBACK').catch(() => undefined);
      await b.query('ROLLBACK').catch(() => undefined);
      await Promise.all([a.end(), b.end()]);
    }
  });

  it('an event whose transaction is still open holds back later commits instead of being skipped', async () => {
    const stream = uniqueStream('gap');
    const a = new pg.Client({ connectionString: db.url });
    await a.connect();
    try {
      await a.query('BEGIN');
      await a.query(appendSql, appendParams(stream, 'A'));
      const head = await store.headPosition();
      // A later commit to another stream must not become readable while A is still open.
      const other = uniqueStream('gap-other');
      await store.append(other, [anEvent('Gap', { label: 'C' })], { expectedRevision: 'no_stream' });
      const visible = (await store.readAll({ fromPosition: head })).filter((e) => e.streamId === other);
      expect(visible).toEqual([]);
      await a.query('COMMIT');
      // Once A commits both are readable, A first; "once" may wait for another file's transaction that
      // is open in the cluster at this moment (visibility is cluster-wide), hence the poll.
      await expect
        .poll(
          async () =>
            (await store.readAll({ fromPosition: head }))
              .filter((e) => e.streamId === stream || e.streamId === other)
              .map((e) => (e.data as { label: string }).label)
              .slice(0, 2),
          { timeout: 10_000, interval: 50 },
        )
        .toEqual(['A', 'C']);
    } finally {
      await a.query('ROLLBACK').catch(() => undefined);
      await a.end();
    }
  });
});

/** A store on a database of its own, for the describe block that calls it. */
function useOwnStore() {
  const own = {} as { db: TestDatabase; store: PostgresEventStore };
  beforeAll(async () => {
    own.db = await createTestDatabase();
    own.store = new PostgresEventStore(own.db.pool);
  });
  afterAll(async () => {
    await own.store.close();
    await own.db.drop();
  });
  return own;
}

describe('PostgreSQL event store: positions order numerically', () => {
  const own = useOwnStore();

  it('orders transaction ids as numbers, not as text (9 before 12345, and the head is the larger)', async () => {
    const real = await own.store.append(uniqueStream('real'), [anEvent('Real')], {
      expectedRevision: 'no_stream',
    });
    expect(real.position.commit).toBeGreaterThan(9n);
    // A row from a (long finished) transaction 9: visible, and first in the log.
    const planted = anEvent('Planted');
    await own.db.knex.raw(
      `INSERT INTO events (transaction_id, stream_id, stream_revision, event_id, type, schema_version, data, metadata)
       VALUES ('9'::xid8, 'planted', 0, ?, 'Planted', 1, '{}', ?)`,
      [planted.eventId, JSON.stringify(planted.metadata)],
    );
    expect(await own.store.headPosition()).toEqual(real.position);
    const all = await own.store.readAll();
    expect(all.map((e) => e.type)).toEqual(['Planted', 'Real']);
    expect(all[0]!.position.commit).toBe(9n);
    expect((await own.store.readAll({ fromPosition: all[0]!.position })).map((e) => e.type)).toEqual([
      'Real',
    ]);
  });
});

describe('PostgreSQL event store: fences serialise with the appends that end an attempt', () => {
  const own = useOwnStore();

  const settled = <T>(p: Promise<T>, ms: number) =>
    Promise.race([
      p.then(
        () => 'resolved',
        () => 'rejected',
      ),
      new Promise<string>((r) => setTimeout(() => r('pending'), ms)),
    ]);
  const opened = async () => {
    const session = uniqueStream('session');
    const started = anEvent('Started', { instanceId: 'i-1' });
    await own.store.append(session, [started], { expectedRevision: 'no_stream' });
    return { session, fence: { stream: session, key: 'i-1', eventId: started.eventId } };
  };
  const raw = async (
    client: pg.Client,
    sql: string,
    stream: string,
    data: unknown,
    extra: unknown[] = [],
  ) => {
    const e = anEvent('Raw', data);
    await client.query(sql, [
      stream,
      [e.eventId],
      [e.type],
      [1],
      [JSON.stringify(e.data)],
      [JSON.stringify(e.metadata)],
      ...extra,
    ]);
  };

  it('a fenced append waits for an end being appended, then is refused', async () => {
    const { session, fence } = await opened();
    const target = uniqueStream('accounts');
    const a = new pg.Client({ connectionString: own.db.url });
    await a.connect();
    try {
      await a.query('BEGIN');
      await raw(a, appendSql, session, { instanceId: 'i-1', ended: true });
      const late = own.store.append(target, [anEvent('Late')], { expectedRevision: 'any', fence });
      expect(await settled(late, 300)).toBe('pending');
      await a.query('COMMIT');
      await expect(late).rejects.toBeInstanceOf(FencedAppendError);
      expect(await own.store.readStream(target)).toEqual([]);
    } finally {
      await a.query('ROLLBACK').catch(() => undefined);
      await a.end();
    }
  });

  it('an end waits for a fenced append under way, which lands first in the log', async () => {
    const { session, fence } = await opened();
    const target = uniqueStream('accounts');
    const b = new pg.Client({ connectionString: own.db.url });
    await b.connect();
    try {
      await b.query('BEGIN');
      await raw(
        b,
        `SELECT * FROM wf_append($1, 'any', $2::uuid[], $3::text[], $4::int[], $5::jsonb[], $6::jsonb[], $7::text[], $8::text[], $9::uuid[])`,
        target,
        { n: 1 },
        [[fence.stream], [fence.key], [fence.eventId]],
      );
      const end = own.store.append(session, [anEvent('Ended', { instanceId: 'i-1' })], {
        expectedRevision: 0n,
      });
      expect(await settled(end, 300)).toBe('pending');
      await b.query('COMMIT');
      const ended = await end;
      const [landed] = await own.store.readStream(target);
      expect(landed).toBeDefined();
      expect(comparePositions(landed!.position, ended.position)).toBe(-1);
    } finally {
      await b.query('ROLLBACK').catch(() => undefined);
      await b.end();
    }
  });

  it('the check is an index probe in a session of 10,000 records', async () => {
    const session = uniqueStream('session');
    const batch = 1000;
    for (let i = 0; i < 10; i++) {
      const events = Array.from({ length: batch }, (_, k) =>
        anEvent('Started', { instanceId: `i-${i * batch + k}` }),
      );
      await own.store.append(session, events, { expectedRevision: 'any' });
    }
    await own.db.knex.raw('ANALYZE events');
    const { rows } = await own.db.knex.raw<{ rows: { 'QUERY PLAN': string }[] }>(
      `EXPLAIN SELECT e.event_id FROM events e
        WHERE e.stream_id = ? AND e.stream_id LIKE 'session-%' AND e.data->>'instanceId' = ?
        ORDER BY e.stream_revision DESC LIMIT 1`,
      [session, 'i-4242'],
    );
    expect(rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('events_session_instance_idx');
  });
});
