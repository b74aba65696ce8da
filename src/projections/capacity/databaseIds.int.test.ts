// Migration 0009 on a database that already holds inventory rows: it gives each the id the projection
// would give it (databaseId), then the column refuses rows without an id or with another row's id.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { databaseId } from '../../domain/ids.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/testDatabase.js';

const NAME = '20261122_0009_database_ids';

describe('migration 0009: database ids', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => db?.drop());

  it('fills existing rows with databaseId(), then requires a unique id', async () => {
    const index = migrations.findIndex((m) => m.name === NAME);
    expect(index).toBeGreaterThan(0);
    for (const m of migrations.slice(0, index)) await m.up(db.knex);
    const i1 = randomUUID();
    const i2 = randomUUID();
    const row = (instance_id: string, database_name: string) => ({
      instance_id,
      database_name,
      first_seen_date: '2026-11-01',
      last_seen_date: '2026-11-02',
    });
    // 'a/b' and a name shared by two instances: ids are per (instance, name), slashes and all.
    const existing = [row(i1, 'app'), row(i1, 'a/b'), row(i2, 'app'), row(i2, 'Ünïcode db')];
    await db.knex('instance_databases').insert(existing);

    await migrations[index]!.up(db.knex);

    const ids = await db.knex('instance_databases').select('instance_id', 'database_name', 'id');
    expect(ids).toHaveLength(4);
    for (const r of ids) expect(r.id).toBe(databaseId(r.instance_id, r.database_name));
    expect(new Set(ids.map((r) => r.id)).size).toBe(4);

    await expect(db.knex('instance_databases').insert(row(i1, 'no id'))).rejects.toMatchObject({
      code: '23502',
    });
    await expect(
      db.knex('instance_databases').insert({ ...row(i1, 'copy'), id: databaseId(i1, 'app') }),
    ).rejects.toMatchObject({ code: '23505' });

    await migrations[index]!.down(db.knex);
    expect(await db.knex('instance_databases').first()).not.toHaveProperty('id');
  });
});
