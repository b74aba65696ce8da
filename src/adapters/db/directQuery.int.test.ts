// directRows: a statement on knex's pool without knex's runner, seen by knex's query listeners; the
// authentication's statement runs through it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/testDatabase.js';
import { directRows } from './directQuery.js';
import { usersTable } from './usersTable.js';

describe('directRows', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const listen = () => {
    const seen: string[] = [];
    const on = {
      start: () => seen.push('start'),
      query: (q: { sql: string; bindings: unknown[] }) => seen.push(`query ${q.sql} ${q.bindings.join()}`),
      'query-response': () => seen.push('response'),
      'query-error': (e: Error) => seen.push(`error ${e.message}`),
    };
    for (const [event, fn] of Object.entries(on)) db.knex.on(event, fn);
    return {
      seen,
      stop: () => {
        for (const [event, fn] of Object.entries(on)) db.knex.removeListener(event, fn);
      },
    };
  };

  it('answers the rows, tells knex listeners, releases the connection', async () => {
    const events = listen();
    const rows = await directRows<{ n: number }>(db.knex, 'SELECT $1::int + 1 AS n', [41]);
    await expect(directRows(db.knex, 'SELECT 1/$1::int', [0])).rejects.toThrow(
      'SELECT 1/$1::int - division by zero',
    );
    events.stop();
    expect(rows).toEqual([{ n: 42 }]);
    expect(events.seen).toEqual([
      'query SELECT $1::int + 1 AS n 41',
      'response',
      'query SELECT 1/$1::int 0',
      'error SELECT 1/$1::int - division by zero',
    ]);
    const pool = db.knex.client.pool as { numUsed(): number };
    expect(pool.numUsed()).toBe(0);
  });

  it("the authentication's user row: one statement, without knex's query builder", async () => {
    const [id, jti, other] = [randomUUID(), randomUUID(), randomUUID()];
    await db.knex('users').insert({
      id,
      username: 'u1',
      password_hash: 'x',
      role: 'viewer',
      is_active: true,
      tokens_valid_after: new Date(0),
      created_at: new Date(0),
      updated_at: new Date(0),
    });
    await db.knex('revoked_tokens').insert({ jti, expires_at: new Date(Date.now() + 60_000) });
    const events = listen();
    const found = await usersTable.byIdWithRevocation(db.knex, id, jti);
    const notRevoked = await usersTable.byIdWithRevocation(db.knex, id, other);
    const none = await usersTable.byIdWithRevocation(db.knex, randomUUID(), other);
    events.stop();
    expect(found).toMatchObject({ row: { id, username: 'u1', role: 'viewer' }, revoked: true });
    expect(found!.row).not.toHaveProperty('token_revoked');
    expect(notRevoked).toMatchObject({ revoked: false });
    expect(none).toBeUndefined();
    // knex's builder and runner announce each statement they run with 'start': this one is not theirs.
    expect(events.seen.filter((e) => e === 'start')).toEqual([]);
    expect(events.seen.filter((e) => e.startsWith('query'))).toHaveLength(3);
  });
});
