// getSession and the pages of sessionRecords answer each record as the rows hold it, its times as
// toISOString writes them, whatever the server's TimeZone, and without a Date per time (a session of
// 10,000 records has 30,000 of them).
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createKnex } from '../../adapters/db/knex.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/testDatabase.js';
import { FIRST_RECORDS, getSession, sessionRecords } from './queries.js';

const RECORDS = 300;

/** What getSession answered before it read times as text: every column parsed by pg, Dates to ISO. */
async function parsedRecords(knex: Knex, id: string) {
  const rows = await knex('sync_instance_records')
    .where({ session_id: id })
    .orderBy(['instance_name', 'instance_id'])
    .select('*');
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return rows.map((r: Record<string, unknown>) => ({
    ...r,
    started_at: iso(r.started_at as Date | null),
    completed_at: iso(r.completed_at as Date | null),
    lease_expires_at: iso(r.lease_expires_at as Date | null),
  }));
}

describe('getSession', () => {
  let db: TestDatabase;
  let knex: Knex;
  const id = randomUUID();
  beforeAll(async () => {
    db = await createTestDatabase();
    // A server whose TimeZone is not UTC (and not a whole hour off it).
    await db.knex.raw(`ALTER DATABASE ${db.name} SET "TimeZone" = 'America/St_Johns'`);
    knex = createKnex(db.url, { max: 2 });
    await knex('sync_sessions').insert({
      session_id: id,
      sync_type: 'manual_batch',
      sync_category: 'account',
      status: 'partial',
      started_at: '2026-11-22T09:00:00.000Z',
      completed_at: '2026-11-22T09:10:00.000Z',
      total_instances: RECORDS,
      successful_instances: RECORDS - 1,
      failed_instances: 1,
      created_by: 'test',
    });
    // Times with microseconds, whole seconds, a single digit and none at all; a failed record; details.
    await knex.raw(
      `INSERT INTO sync_instance_records
       SELECT ?::uuid, gen_random_uuid(), 'db-' || lpad(i::text, 4, '0'), 'account',
              CASE WHEN i = 7 THEN 'failed' ELSE 'completed' END, 1 + i % 3,
              CASE WHEN i = 7 THEN 'permissions' END,
              timestamptz '2026-11-22 09:00:00.123456+00' + i * interval '1.000317 s',
              CASE WHEN i % 5 <> 0 THEN timestamptz '2026-11-22 09:00:01+00' + i * interval '1 s' END,
              CASE WHEN i % 4 = 0 THEN timestamptz '2026-11-22 09:05:00.5+00' END,
              i, i % 7, i % 3, 0, CASE WHEN i = 7 THEN 'CONNECTION_FAILED' END,
              CASE WHEN i = 7 THEN 'refused "quoted" \\ text' END,
              jsonb_build_object('added', jsonb_build_array('app@%'), 'ratio', 0.25, 'n', i)
       FROM generate_series(1, ?) i`,
      [id, RECORDS],
    );
  });
  afterAll(async () => {
    await knex?.destroy();
    await db?.drop();
  });

  it('answers the rows, times as toISOString writes them', async () => {
    expect((await knex.raw('SHOW "TimeZone"')).rows[0].TimeZone).toBe('America/St_Johns');
    const expected = await parsedRecords(knex, id);
    const pages = [];
    for (let page = 1; page <= Math.ceil(RECORDS / FIRST_RECORDS); page++)
      pages.push(...(await sessionRecords(knex, id, {}, { page, limit: FIRST_RECORDS })).items);
    expect(pages).toHaveLength(RECORDS);
    expect(pages).toEqual(expected);
    // The same text, key order included: the JSON the API sends is unchanged.
    expect(JSON.stringify(pages)).toBe(JSON.stringify(expected));
    const session = (await getSession(knex, id))!;
    expect(session.records).toEqual(expected.slice(0, FIRST_RECORDS));
    expect(session.records_meta).toEqual({ page: 1, limit: FIRST_RECORDS, total: RECORDS, pages: 3 });
    expect(session.records[0]!.started_at).toBe('2026-11-22T09:00:01.123Z');
  });

  it('makes no Date per record', async () => {
    const toIso = vi.spyOn(Date.prototype, 'toISOString');
    try {
      await getSession(knex, id);
      // The session row's two times; before: three per record as well.
      expect(toIso.mock.calls.length).toBeLessThanOrEqual(2);
    } finally {
      toIso.mockRestore();
    }
  });
});
