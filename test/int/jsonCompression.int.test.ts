// Migration 0043: every json/jsonb column of ours is compressed with lz4 on a server that has it (the
// test server), and the migrations still run, changing nothing, on one that does not (the embedded
// PostgreSQL's binaries are built without lz4). A large value appended afterwards is stored as lz4.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnex, migrateLatest } from '../../src/adapters/db/knex.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/adapters/db/embeddedPostgres.js';
import { createLogger } from '../../src/logger.js';
import * as lz4JsonColumns from '../../migrations/20261207_0043_lz4_json_columns.js';
import { freePort } from '../support/net.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';

/** Whether the server can compress with lz4 at all (CREATE TEMP TABLE ... COMPRESSION lz4). */
async function hasLz4(knex: Knex): Promise<boolean> {
  return knex.transaction(async (trx) => {
    try {
      await trx.raw('CREATE TEMP TABLE wf_lz4_probe (v jsonb COMPRESSION lz4) ON COMMIT DROP');
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === '0A000') return false;
      throw err;
    }
  });
}

/** Every json/jsonb column of the current schema's tables, partitions included, with its compression. */
async function jsonColumns(knex: Knex): Promise<{ column: string; compression: string }[]> {
  const { rows } = await knex.raw<{ rows: { column: string; compression: string }[] }>(`
    SELECT c.relname || '.' || a.attname AS column, a.attcompression::text AS compression
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
       AND a.attnum > 0 AND NOT a.attisdropped AND a.atttypid IN ('json'::regtype, 'jsonb'::regtype)
     ORDER BY 1`);
  return rows;
}

/** A value far over the 2 KB at which PostgreSQL compresses, as an account sync's events are. */
const bigValue = JSON.stringify({
  accounts: Array.from({ length: 200 }, (_, i) => ({
    username: `user_${i}`,
    privileges: ['SELECT', 'INSERT'],
  })),
});

describe('json columns on the test server', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('are lz4 where the server has it, the events table and the ledger snapshots among them', async (ctx) => {
    if (!(await hasLz4(db.knex))) ctx.skip(); // the embedded server: the next block covers it
    const columns = await jsonColumns(db.knex);
    expect(columns.map((c) => c.column)).toEqual(
      expect.arrayContaining(['events.data', 'events.metadata', 'account_ledger_snapshots.state']),
    );
    expect(columns.filter((c) => c.compression !== 'l')).toEqual([]);
    await db.knex.raw(
      `INSERT INTO account_ledger_snapshots (stream_id, revision, event_id, fold_version, state, taken_at)
       VALUES ('accounts-x', 1, gen_random_uuid(), 1, ?::json, now())`,
      [bigValue],
    );
    const { rows } = await db.knex.raw<{ rows: { method: string }[] }>(
      `SELECT pg_column_compression(state) AS method FROM account_ledger_snapshots`,
    );
    expect(rows).toEqual([{ method: 'lz4' }]);
  });

  it('go back to the server default when the migration is rolled back, and to lz4 again', async (ctx) => {
    if (!(await hasLz4(db.knex))) ctx.skip();
    await lz4JsonColumns.down(db.knex);
    expect((await jsonColumns(db.knex)).filter((c) => c.compression !== '')).toEqual([]);
    await lz4JsonColumns.up(db.knex);
    expect((await jsonColumns(db.knex)).filter((c) => c.compression !== 'l')).toEqual([]);
  });
});

describe('a server without lz4 (the embedded PostgreSQL)', () => {
  let embedded: EmbeddedPostgres;
  let dir: string;
  let knex: Knex;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'whalefall-lz4-'));
    embedded = await startEmbeddedPostgres({
      dataDir: dir,
      port: await freePort(),
      logger: createLogger({ level: 'warn', pretty: false }),
      ephemeral: true,
    });
    knex = createKnex(embedded.connectionString, { max: 2 });
  });
  afterAll(async () => {
    await knex?.destroy();
    await embedded?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('runs every migration and leaves the json columns on the default', async (ctx) => {
    if (await hasLz4(knex)) ctx.skip(); // a later embedded build with lz4: the block above covers it
    await migrateLatest(knex);
    const columns = await jsonColumns(knex);
    expect(columns.length).toBeGreaterThan(10);
    expect(columns.filter((c) => c.compression !== '')).toEqual([]);
  });
});
