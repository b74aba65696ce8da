// The ledger search over distinct usernames (usernameSearch.ts): the same accounts and total as the LIKE
// over every row, with or without the skip scan, and a page that reads the matching names' index entries
// instead of every account sorting before the first match.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/testDatabase.js';
import { listAccountLedgers } from './queries.js';
import { activeUsernamesMatching } from './usernameSearch.js';

const INSTANCES = 200;
const NAMES = 50;

describe('ledger search over distinct usernames', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    // 200 instances of 50 accounts, role_0 .. role_49 on each (as a fleet repeats its logins); one
    // inactive account of a name no active one holds, one mixed-case name.
    await db.pool.query(`
      INSERT INTO instances (id, name, db_type, host, port, created_at, updated_at)
      SELECT md5('i' || g)::uuid, 'pg-' || lpad(g::text, 4, '0'), 'postgresql', 'h', 5432, now(), now()
        FROM generate_series(1, ${INSTANCES}) g;
      INSERT INTO instance_accounts (id, instance_id, username, db_type, first_seen_at, last_seen_at)
      SELECT md5('a' || g || '/' || k)::uuid, md5('i' || g)::uuid, 'role_' || k, 'postgresql', now(), now()
        FROM generate_series(1, ${INSTANCES}) g, generate_series(0, ${NAMES - 1}) k;
      INSERT INTO instance_accounts (id, instance_id, username, db_type, is_active, first_seen_at, last_seen_at)
      VALUES (md5('gone')::uuid, md5('i1')::uuid, 'role_4_gone', 'postgresql', false, now(), now()),
             (md5('mixed')::uuid, md5('i2')::uuid, 'ROLE_4X', 'postgresql', true, now(), now());
      ANALYZE instance_accounts;`);
  });
  afterAll(() => db.drop());

  const page = { page: 2, limit: 20 };
  const keys = (r: { items: { username: string; instance_id: string }[]; total: number }) => ({
    total: r.total,
    rows: r.items.map((a) => `${a.username} ${a.instance_id}`),
  });

  it('answers what the LIKE over every row answers', async () => {
    const { rows } = await db.pool.query<{ username: string; instance_id: string }>(
      `SELECT username, instance_id FROM instance_accounts
        WHERE is_active AND lower(username) LIKE '%role\\_4%'
        ORDER BY username, instance_id LIMIT 20 OFFSET 20`,
    );
    const [{ n }] = (
      await db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM instance_accounts WHERE is_active AND lower(username) LIKE '%role\\_4%'`,
      )
    ).rows as [{ n: number }];
    const expected = { total: n, rows: rows.map((r) => `${r.username} ${r.instance_id}`) };
    expect(n).toBe(11 * INSTANCES + 1);
    expect(keys(await listAccountLedgers(db.knex, { search: 'Role_4' }, page))).toEqual(expected);
    expect(await activeUsernamesMatching(db.knex, 'Role_4')).toEqual([
      'ROLE_4X',
      'role_4',
      ...Array.from({ length: 10 }, (_, k) => `role_4${k}`),
    ]);
    // More distinct names than the skip scan reads: the search filters the rows, with the same answer.
    expect(await activeUsernamesMatching(db.knex, 'Role_4', NAMES - 1)).toBeUndefined();
    expect(await activeUsernamesMatching(db.knex, 'Role_4', NAMES + 1)).toHaveLength(12);
    expect(await activeUsernamesMatching(db.knex, '%')).toEqual([]);
    expect(
      keys(await listAccountLedgers(db.knex, { search: 'role_4', includeDeleted: true }, page)).total,
    ).toBe(n + 1);
  });

  it("reads the matching names' index entries, not every account before them", async () => {
    const statements: { sql: string; bindings: unknown[] }[] = [];
    const onQuery = (q: { sql: string; bindings?: unknown[] }) =>
      statements.push({ sql: q.sql, bindings: q.bindings ?? [] });
    db.knex.on('query', onQuery);
    try {
      await listAccountLedgers(db.knex, { search: 'role_4' }, { page: 1, limit: 20 });
    } finally {
      db.knex.removeListener('query', onQuery);
    }
    const pageSql = statements.find((s) => /\blimit\b/i.test(s.sql) && !/RECURSIVE/.test(s.sql))!;
    const { rows } = await db.pool.query<{
      'QUERY PLAN': [{ Plan: { 'Shared Hit Blocks': number; 'Shared Read Blocks': number } }];
    }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${pageSql.sql}`, pageSql.bindings);
    const plan = rows[0]!['QUERY PLAN'][0].Plan;
    // The LIKE walked the 6,800 accounts of role_0 .. role_39 (thousands of blocks); the names' walk
    // reads the index and the 20 rows of the page with their joins.
    expect(plan['Shared Hit Blocks'] + plan['Shared Read Blocks']).toBeLessThan(300);
  });
});
