// A fresh PostgreSQL database per test file, migrated, dropped afterwards.
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import pg from 'pg';
import { createKnex, migrateLatest } from '../../src/adapters/db/knex.js';
import { createPgPool } from '../../src/adapters/db/pgPool.js';
import { withDatabase } from './net.js';
import { postgresService } from './services.js';

export interface TestDatabase {
  name: string;
  url: string;
  knex: Knex;
  pool: pg.Pool;
  drop(): Promise<void>;
}

export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = postgresService().url;
  if (!adminUrl) throw new Error('no PostgreSQL for tests');
  const name = `wf_test_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();

  const url = withDatabase(adminUrl, name);
  const knex = createKnex(url, { max: 5 });
  const pool = createPgPool(url, { max: 25 });
  if (options.migrate !== false) await migrateLatest(knex);

  return {
    name,
    url,
    knex,
    pool,
    async drop() {
      await knex.destroy();
      await pool.end();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
