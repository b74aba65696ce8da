// Appends inside a caller's transaction, through real PostgreSQL: the events and the rows written with them
// commit together or not at all (a failing step, a connection cut at COMMIT), a conflict leaves the
// transaction usable, and subscribers are told only at the commit.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import pg from 'pg';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKnex } from '../../src/adapters/db/knex.js';
import { WrongExpectedRevisionError } from '../../src/adapters/eventStore/port.js';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import type { CommandContext } from '../../src/commands/commandContext.js';
import { makeRegisterInstance, type InstanceFields } from '../../src/commands/instances.js';
import { appendOne, reserveName } from '../../src/commands/streamWrites.js';
import { instanceStream } from '../../src/domain/instances/events.js';
import { capturingLogger } from '../support/capturingLogger.js';
import { uniqueStream } from '../support/eventFactory.js';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';

const ctx = (): CommandContext => ({
  actor: { kind: 'user', id: 'tester' },
  correlationId: randomUUID(),
  now: new Date(),
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let db: TestDatabase;
let store: PostgresEventStore;
let proxy: FaultProxy;
/** knex through the fault proxy: its transactions can lose their connection at COMMIT. */
let viaProxy: Knex;

beforeAll(async () => {
  db = await createTestDatabase();
  // Polling far beyond the tests' time: what subscribers learn comes from notifications.
  store = new PostgresEventStore(db.pool, { pollIntervalMs: 60_000 });
  const url = new URL(db.url);
  proxy = await startFaultProxy({ host: url.hostname, port: Number(url.port || 5432) });
  url.hostname = proxy.host;
  url.port = String(proxy.port);
  // Its logger keeps the cut connections' errors off the console.
  viaProxy = createKnex(url.toString(), { max: 2 }, capturingLogger().logger);
});
afterAll(async () => {
  await viaProxy.destroy();
  await proxy.close();
  await store.close();
  await db.drop();
});
beforeEach(() => proxy.reset());

const reservation = (scope: string, name: string) =>
  db.knex('name_reservations').where({ scope, name_key: name.toLowerCase() }).first();
const registered = async (name: string) =>
  (
    await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events WHERE type = 'InstanceRegistered' AND data->>'name' = $1`,
      [name],
    )
  ).rows[0]!.n;

/** A row and an event written in one transaction of `knex`, then `after` (which may throw). */
const rowAndEvent = (knex: Knex, stream: string, owner: string, after: () => void = () => {}) =>
  knex.transaction(async (trx) => {
    await reserveName(trx, 'test', owner, owner);
    await appendOne(store, stream, 'no_stream', 'TestHappened', { n: 1 }, ctx(), { within: trx });
    after();
  });

describe("an append in a caller's transaction", () => {
  it('a step that fails after the append, before the commit, leaves neither the event nor the row', async () => {
    const stream = uniqueStream('trx');
    const owner = randomUUID();
    await expect(
      rowAndEvent(db.knex, stream, owner, () => {
        throw new Error('the step after the append failed');
      }),
    ).rejects.toThrow('the step after the append failed');
    expect(await store.readStream(stream)).toEqual([]);
    expect(await reservation('test', owner)).toBeUndefined();
  });

  it('the connection cut as COMMIT goes out leaves neither; with the commit, both are there', async () => {
    const stream = uniqueStream('trx-cut');
    const owner = randomUUID();
    const cuts = proxy.hits('COMMIT');
    proxy.drop('COMMIT', { times: 1 });
    await expect(rowAndEvent(viaProxy, stream, owner)).rejects.toThrow();
    expect(proxy.hits('COMMIT')).toBe(cuts + 1);
    expect(await store.readStream(stream)).toEqual([]);
    expect(await reservation('test', owner)).toBeUndefined();

    await rowAndEvent(viaProxy, stream, owner);
    expect(await store.readStream(stream)).toHaveLength(1);
    expect(await reservation('test', owner)).toBeDefined();
  });

  it('a conflict is the typed error and leaves the transaction alive: what follows it commits', async () => {
    const stream = uniqueStream('trx-conflict');
    await appendOne(store, stream, 'no_stream', 'TestHappened', { n: 0 }, ctx());
    const owner = randomUUID();
    await db.knex.transaction(async (trx) => {
      await expect(
        appendOne(store, stream, 'no_stream', 'TestHappened', { n: 1 }, ctx(), { within: trx }),
      ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await reserveName(trx, 'test', owner, owner);
      await appendOne(store, stream, 0n, 'TestHappened', { n: 2 }, ctx(), { within: trx });
    });
    expect((await store.readStream(stream)).map((e) => e.data)).toEqual([{ n: 0 }, { n: 2 }]);
    expect(await reservation('test', owner)).toBeDefined();
  });
});

describe('registering an instance: its name reservation and InstanceRegistered', () => {
  const fields = (name: string): InstanceFields => ({
    name,
    dbType: 'postgresql',
    host: `${randomUUID()}.example`,
    port: 5432,
    databaseName: null,
    credentialId: null,
    description: '',
  });

  it('commit together', async () => {
    const { id } = await makeRegisterInstance({ knex: db.knex, store })(fields('together'), ctx());
    expect(await store.readStream(instanceStream(id))).toHaveLength(1);
    expect((await reservation('instance', 'together'))?.owner_id).toBe(id);
  });

  it('a crash between the append and the commit leaves neither, and the name can be taken again', async () => {
    const register = makeRegisterInstance({ knex: viaProxy, store });
    const cuts = proxy.hits('COMMIT');
    proxy.drop('COMMIT', { times: 1 });
    await expect(register(fields('crashed'), ctx())).rejects.toThrow();
    expect(proxy.hits('COMMIT')).toBe(cuts + 1);
    // Appended outside the transaction, the event would stay: an instance whose name nobody holds.
    expect(await registered('crashed')).toBe(0);
    expect(await reservation('instance', 'crashed')).toBeUndefined();

    const { id } = await register(fields('crashed'), ctx());
    expect(await registered('crashed')).toBe(1);
    expect((await reservation('instance', 'crashed'))?.owner_id).toBe(id);
  });
});

describe('the NOTIFY of an append in a transaction', () => {
  let listener: pg.Client;
  const heard: string[] = [];
  beforeAll(async () => {
    listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    listener.on('notification', (n) => {
      if (n.channel === 'wf_events') heard.push(n.payload ?? '');
    });
    await listener.query('LISTEN wf_events');
  });
  afterAll(() => listener.end());
  beforeEach(() => {
    heard.length = 0;
  });

  it('arrives at the commit, not at the append', async () => {
    const stream = uniqueStream('notify');
    const delivered = firstValueFrom(
      store.subscribeAll().pipe(
        filter((e) => e.streamId === stream),
        timeout(10_000),
      ),
    );
    await db.knex.transaction(async (trx) => {
      await appendOne(store, stream, 'no_stream', 'TestHappened', { n: 1 }, ctx(), { within: trx });
      await sleep(500);
      expect(heard).toEqual([]);
    });
    await expect.poll(() => heard, { timeout: 5000 }).toEqual(['']);
    expect((await delivered).data).toEqual({ n: 1 });
  });

  it('is not sent when the transaction rolls back', async () => {
    await expect(
      rowAndEvent(db.knex, uniqueStream('notify-rollback'), randomUUID(), () => {
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await sleep(500);
    // A marker after the rollback: once it arrives, anything sent before it has arrived too.
    await db.pool.query(`SELECT pg_notify('wf_events', 'marker')`);
    await expect.poll(() => heard, { timeout: 5000 }).toContain('marker');
    expect(heard).toEqual(['marker']);
  });
});
