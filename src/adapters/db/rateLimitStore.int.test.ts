// The PostgreSQL rate-limit store on a real database: two stores on two pools (two processes) count every
// concurrent hit exactly once, a window ends on the database clock and starts again, decrement and
// resetKey act on one key of one limiter, and a database that is away fails the request 503, never lets
// it through.
import express from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../../api/middleware/errors.js';
import { createLogger } from '../../logger.js';
import { freePort } from '../../../test/support/net.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/testDatabase.js';
import { createKnex } from './knex.js';
import { isDatabaseUnavailable } from './unavailable.js';
import { PostgresRateLimitStore, pruneRateLimitHits } from './rateLimitStore.js';

let db: TestDatabase;
let other: Knex; // a second pool on the same database: another process
const opened: Knex[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  other = createKnex(db.url, { max: 10 });
  opened.push(other);
});
afterAll(async () => {
  for (const k of opened) await k.destroy();
  await db.drop();
});

const store = (knex: Knex, prefix: string, windowMs = 60_000) => {
  const s = new PostgresRateLimitStore(knex, prefix);
  s.init({ windowMs });
  return s;
};
const rowOf = async (key: string) =>
  (await db.knex('rate_limit_hits').where({ key }).first()) as { hits: number; reset_at: Date } | undefined;
const silent = createLogger({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PostgresRateLimitStore', () => {
  it('counts concurrent increments from two stores on two pools exactly, one number each', async () => {
    const a = store(db.knex, 'login-user:');
    const b = store(other, 'login-user:');
    const results = await Promise.all(
      Array.from({ length: 120 }, (_, i) => (i % 2 === 0 ? a : b).increment('user:alice')),
    );
    // Every hit got its own count: 1..120, none lost, none repeated.
    expect(results.map((r) => r.totalHits).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 120 }, (_, i) => i + 1),
    );
    // One window for all of them.
    expect(new Set(results.map((r) => r.resetTime!.getTime())).size).toBe(1);
    expect((await a.get('user:alice'))?.totalHits).toBe(120);
    expect((await b.get('user:alice'))?.totalHits).toBe(120);
    expect((await rowOf('login-user:user:alice'))?.hits).toBe(120);
  });

  it('ends the window on the database clock and starts a new one with the next hit', async () => {
    const s = store(db.knex, 'window:', 700);
    const first = await s.increment('k');
    const { rows } = await db.knex.raw<{ rows: { now: Date }[] }>('SELECT now() AS now');
    // The window is the database's now() plus windowMs.
    expect(Math.abs(first.resetTime!.getTime() - (rows[0]!.now.getTime() + 700))).toBeLessThan(500);
    expect((await s.increment('k')).totalHits).toBe(2);
    expect((await s.increment('k')).totalHits).toBe(3);

    await sleep(900);
    expect(await s.get('k')).toBeUndefined(); // the window ended
    const again = await s.increment('k');
    expect(again.totalHits).toBe(1);
    expect(again.resetTime!.getTime()).toBeGreaterThan(first.resetTime!.getTime() + 600);
    expect((await rowOf('window:k'))?.hits).toBe(1); // the same row, reset in the same statement
  });

  it('decrement gives one hit back, never below zero, and not into an ended window', async () => {
    const s = store(db.knex, 'dec:', 60_000);
    for (let i = 0; i < 3; i++) await s.increment('k');
    await s.decrement('k');
    expect((await s.get('k'))?.totalHits).toBe(2);
    await s.decrement('k');
    await s.decrement('k');
    await s.decrement('k');
    expect((await s.get('k'))?.totalHits).toBe(0);
    expect((await s.increment('k')).totalHits).toBe(1);
    await s.decrement('absent'); // no row: nothing happens
    expect(await s.get('absent')).toBeUndefined();

    const short = store(db.knex, 'dec-short:', 300);
    await short.increment('k');
    await short.increment('k');
    await sleep(450);
    await short.decrement('k');
    expect((await rowOf('dec-short:k'))?.hits).toBe(2); // untouched: its window had ended
  });

  it('resetKey clears one key of one limiter; resetAll clears only its own prefix', async () => {
    const users = store(db.knex, 'rk-user:');
    const otherPool = store(other, 'rk-user:');
    const addresses = store(db.knex, 'rk-address:');
    await users.increment('bob');
    await users.increment('bob');
    await users.increment('carol');
    await addresses.increment('bob');

    await otherPool.resetKey('bob'); // from the other process: shared
    expect(await users.get('bob')).toBeUndefined();
    expect((await users.increment('bob')).totalHits).toBe(1);
    expect((await users.get('carol'))?.totalHits).toBe(1);
    expect((await addresses.get('bob'))?.totalHits).toBe(1);

    await users.resetAll();
    expect(await users.get('bob')).toBeUndefined();
    expect(await users.get('carol')).toBeUndefined();
    expect((await addresses.get('bob'))?.totalHits).toBe(1);
  });

  it('pruneRateLimitHits deletes the rows whose window ended, and only those', async () => {
    const gone = store(db.knex, 'prune-short:', 200);
    const kept = store(db.knex, 'prune-long:', 60_000);
    await gone.increment('x');
    await kept.increment('x');
    await sleep(350);
    expect(await pruneRateLimitHits(db.knex)).toBeGreaterThanOrEqual(1);
    expect(await rowOf('prune-short:x')).toBeUndefined();
    expect((await rowOf('prune-long:x'))?.hits).toBe(1);
  });

  it('with the database away, a limited request is answered 503 DATABASE_UNAVAILABLE, not let through', async () => {
    const away = createKnex(`postgres://postgres@127.0.0.1:${await freePort()}/postgres`, { max: 2 }, silent);
    opened.push(away);
    const err = await store(away, 'away:')
      .increment('k')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeDefined();
    expect(isDatabaseUnavailable(err)).toBe(true);

    const app = express();
    let reached = 0;
    app.post(
      '/login',
      rateLimit({ windowMs: 60_000, limit: 3, store: new PostgresRateLimitStore(away, 'away-app:') }),
      (_req, res) => {
        reached++;
        res.json({ ok: true });
      },
    );
    app.use(errorHandler(silent, isDatabaseUnavailable));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const { port } = server.address() as { port: number };
      const res = await fetch(`http://127.0.0.1:${port}/login`, { method: 'POST' });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { message_code: string }).message_code).toBe('DATABASE_UNAVAILABLE');
      expect(reached).toBe(0);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
