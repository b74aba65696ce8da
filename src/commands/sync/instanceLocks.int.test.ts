// D19: the locks of one session share one pooled connection, and send it one query at a time (pg 8 queues
// concurrent queries itself with a DeprecationWarning; pg 9 refuses them). A key is never handed out twice
// by one holder, though advisory locks are re-entrant on its connection (the global cap's slots rely on it).
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/testDatabase.js';
import { InstanceLocks } from './instanceLocks.js';

describe('InstanceLocks on one connection', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('concurrent tryLock and unlock calls never overlap their queries, and pg warns of nothing', async () => {
    let inFlight = 0;
    let most = 0;
    // The real pool, with the connection's query counted while it runs.
    const pool = {
      connect: async () => {
        const client = await db.pool.connect();
        const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
        (client as unknown as { query: unknown }).query = (...args: unknown[]) => {
          most = Math.max(most, ++inFlight);
          return query(...args).finally(() => inFlight--);
        };
        return client;
      },
    } as unknown as pg.Pool;
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const locks = new InstanceLocks(pool);
      const keys = Array.from({ length: 20 }, (_, i) => `account-sync:lock-test-${i}`);
      const unlocks = await Promise.all(keys.map((k) => locks.tryLock(k)));
      expect(unlocks.every((u) => typeof u === 'function')).toBe(true);
      // A second holder (another session: another connection) finds them taken.
      const other = new InstanceLocks(db.pool);
      expect(await other.tryLock(keys[0]!)).toBeUndefined();
      await Promise.all(unlocks.map((u) => u!()));
      const again = await other.tryLock(keys[0]!);
      expect(again).toBeTypeOf('function');
      await again!();
    } finally {
      process.removeListener('warning', onWarning);
    }
    expect(most).toBe(1);
    expect(warnings.filter((w) => /already executing a query/.test(w.message))).toEqual([]);
  });

  it('hands out each key once: callers asking at once for the same slots get different ones', async () => {
    const locks = new InstanceLocks(db.pool);
    const slots = ['cap-test:0', 'cap-test:1'];
    const taken = await Promise.all([1, 2, 3].map(() => locks.tryLockAny(slots)));
    expect(taken.map((t) => t?.key)).toEqual(['cap-test:0', 'cap-test:1', undefined]);
    expect(await locks.tryLock('cap-test:0')).toBeUndefined();
    await taken[0]!.unlock();
    const again = await locks.tryLockAny(slots);
    expect(again?.key).toBe('cap-test:0');
    await again!.unlock();
    await taken[1]!.unlock();
  });
});
