// Capacity collection where sessions and streams grow, against the local MariaDB:
// - a session as concurrent as the event store's pool is large: the per-instance advisory locks share
//   one connection of the session, so the appends still get connections (a connection per running
//   instance took the whole pool and every instance waited for ever), and it is back in the pool after;
// - an instance whose last inventory lies behind more than a page of later events: the collection reads
//   its capacity stream backwards a page at a time, not whole, and still compares with that inventory.
import { randomBytes, randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgPool } from '../../src/adapters/db/pgPool.js';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { validatingEventStore } from '../../src/adapters/eventStore/validatingEventStore.js';
import { makeRunCapacityCollection } from '../../src/commands/sync/collectCapacity.js';
import { loadSession } from '../../src/commands/sync/sessionWriter.js';
import { capacityStream } from '../../src/domain/capacity/events.js';
import { createEventRegistry } from '../../src/domain/eventTypes.js';
import { onlyDatabases, openCapacityHarness, type CapacityHarness } from '../support/capacityHarness.js';
import { createCollector, dropCollector } from '../support/mariadbCollector.js';
import { mysqlService, titled } from '../support/services.js';

const service = mysqlService();
const p = `wfs_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };
const ctx = { actor: { kind: 'user' as const, id: 'tester' }, correlationId: 'c', now: new Date() };
const POOL = 4;
const concurrent = ['i1', 'i2', 'i3', 'i4', 'i5', 'i6'] as const;
/** More than the page collectCapacity reads backwards at a time. */
const TABLE_SIZE_EVENTS = 40;

describe.skipIf(!service.url)(titled('capacity collection as sessions and streams grow', service), () => {
  let h: CapacityHarness;
  let root: mysql.Connection;
  let ids: Record<(typeof concurrent)[number] | 'lookback', string>;

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: service.url! });
    await createCollector(root, collector.user, collector.password);
    await root.query(`CREATE DATABASE \`${p}_a\``);
    h = await openCapacityHarness((real) => onlyDatabases(real, p));
    const url = new URL(service.url!);
    const monitored = {
      dbType: 'mysql' as const,
      host: url.hostname,
      port: Number(url.port || 3306),
      username: collector.user,
      password: collector.password,
    };
    ids = await h.register(monitored, [...concurrent, 'lookback']);
  });
  afterAll(async () => {
    // MariaDB first: should a session hang again, closing the pools waits for its connections for ever.
    if (root) {
      await dropCollector(root, collector.user);
      for (const db of ['a', 'b']) await root.query(`DROP DATABASE IF EXISTS \`${p}_${db}\``);
      await root.end();
    }
    await h?.close();
  });

  it('completes every record at a concurrency above the pool size, and gives the lock connection back', async () => {
    const pool: pg.Pool = createPgPool(h.db.url, { max: POOL });
    const store = new PostgresEventStore(pool);
    const collect = makeRunCapacityCollection(
      { ...h.deps, pool, store: validatingEventStore(store, createEventRegistry()) },
      'UTC',
    );
    const instanceIds = concurrent.map((n) => ids[n]);
    const started = await collect({ instanceIds }, 'manual_batch', ctx, { concurrency: concurrent.length });
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), 20_000)));
    const outcome = await Promise.race([started.done.then(() => 'done' as const), hung]);
    clearTimeout(timer);
    expect(outcome).toBe('done');

    const { state } = await loadSession(store, started.sessionId);
    expect(state.status).toBe('completed');
    expect([...state.records.values()].map((r) => r.status)).toEqual(concurrent.map(() => 'completed'));
    // Released a moment after the last unlock; nothing of the session stays checked out.
    await expect.poll(() => pool.totalCount - pool.idleCount).toBe(0);
    await store.close();
    await pool.end();
  });

  it('finds the last inventory behind a page of later events and appends at the right revision', async () => {
    const id = ids.lookback;
    expect((await h.collect([id])).state.status).toBe('completed');
    const tableSizes = Array.from({ length: TABLE_SIZE_EVENTS }, () => ({
      eventId: randomUUID(),
      type: 'TableSizesSaved',
      schemaVersion: 1,
      data: { instanceId: id, databaseName: `${p}_a`, collectedAt: new Date().toISOString(), tables: [] },
      metadata: {
        correlationId: 'c',
        causationId: null,
        actor: ctx.actor,
        occurredAt: new Date().toISOString(),
      },
    }));
    await h.deps.store.append(capacityStream(id), tableSizes, { expectedRevision: 'stream_exists' });
    await root.query(`CREATE DATABASE \`${p}_b\``);

    expect((await h.collect([id])).state.status).toBe('completed');
    const inventories = (await h.raw.readStream(capacityStream(id)))
      .filter((e) => e.type === 'DatabaseInventorySynced')
      .map((e) => e.data as { databases: string[]; added: string[]; vanished: string[] });
    expect(inventories.at(-1)).toMatchObject({
      databases: [`${p}_a`, `${p}_b`],
      added: [`${p}_b`],
      vanished: [],
    });
  });
});
