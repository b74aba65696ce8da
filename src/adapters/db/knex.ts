// knex for read tables and migrations. The event store uses its own pg.Pool (see postgresEventStore.ts).
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { migrations } from '../../../migrations/index.js';

// bigint columns come back as strings by default; int8 (20) as BigInt would not be JSON-safe, so
// read tables use numeric types that fit JS numbers, and event positions are handled explicitly.

export function createKnex(connectionString: string, pool: { min?: number; max?: number } = {}): Knex {
  return knexFactory({
    client: 'pg',
    // ISO dates whatever the server's default: queries turn dates into 'YYYY-MM-DD' with ::text.
    connection: { connectionString, application_name: 'whalefall', options: '-c DateStyle=ISO,YMD' },
    pool: { min: pool.min ?? 0, max: pool.max ?? 10 },
  });
}

const migrationSource: Knex.MigrationSource<(typeof migrations)[number]> = {
  getMigrations: () => Promise.resolve([...migrations]),
  getMigrationName: (m) => m.name,
  getMigration: (m) => Promise.resolve(m),
};

/** Runs all pending migrations; returns the names it ran. Safe to call from several processes (knex locks). */
export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, ran] = (await knex.migrate.latest({ migrationSource })) as [number, string[]];
  return ran;
}

export async function migrateDown(knex: Knex): Promise<string[]> {
  const [, ran] = (await knex.migrate.rollback({ migrationSource }, true)) as [number, string[]];
  return ran;
}

export { pg };
