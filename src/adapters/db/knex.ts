// knex for read tables and migrations. The event store uses its own pg.Pool (see postgresEventStore.ts).
// applicationName (default 'whalefall') names its connections in pg_stat_activity. Its client is knex's
// PostgreSQL client with prepared statements on request (`.options(prepared)`, preparedStatements.ts).
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { migrations } from '../../../migrations/index.js';
import type { Logger } from '../../logger.js';
import { PreparingPgClient } from './preparedStatements.js';
import { errorMessage } from '../../domain/errors.js';

// bigint columns come back as strings by default; int8 (20) as BigInt would not be JSON-safe, so
// read tables use numeric types that fit JS numbers, and event positions are handled explicitly.

export function createKnex(
  connectionString: string,
  pool: { min?: number; max?: number } = {},
  logger?: Logger,
  applicationName = 'whalefall',
): Knex {
  return knexFactory({
    client: PreparingPgClient as unknown as typeof knexFactory.Client,
    // knex prints to the console by default: one "Acquire connection error" per attempt while the server
    // is away. The database monitor reports an outage once; these go to the log at debug.
    ...(logger ? { log: knexLog(logger) } : {}),
    // ISO dates whatever the server's default: queries turn dates into 'YYYY-MM-DD' with ::text.
    connection: {
      connectionString,
      application_name: applicationName,
      options: '-c DateStyle=ISO,YMD',
      // A server that accepts TCP but never answers (stopped, overloaded) fails the connect instead of
      // holding a pool slot until the acquire timeout (60 s).
      connectionTimeoutMillis: 5000,
    },
    pool: { min: pool.min ?? 0, max: pool.max ?? 10 },
  });
}

function knexLog(logger: Logger): Knex.Config['log'] {
  return {
    warn: (m: unknown) =>
      /^Acquire connection error/.test(errorMessage(m))
        ? logger.debug({ component: 'knex' }, errorMessage(m))
        : logger.warn({ component: 'knex' }, errorMessage(m)),
    error: (m: unknown) => logger.error({ component: 'knex' }, errorMessage(m)),
    deprecate: (method: string, alternative: string) =>
      logger.warn({ component: 'knex' }, `${method} is deprecated; use ${alternative}`),
    debug: (m: unknown) => logger.debug({ component: 'knex' }, errorMessage(m)),
  };
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

/**
 * Migrations this code has that the database lacks (pending), and migrations the database has that this
 * code does not know (a newer version migrated it). Both empty: the schema is the one this code expects.
 */
export async function migrationDrift(knex: Knex): Promise<{ pending: string[]; unknown: string[] }> {
  const rows = await knex<{ name: string }>('knex_migrations').select('name');
  const applied = new Set(rows.map((r) => r.name));
  const known = new Set(migrations.map((m) => m.name));
  return {
    pending: migrations.map((m) => m.name).filter((name) => !applied.has(name)),
    unknown: [...applied].filter((name) => !known.has(name)),
  };
}

export async function migrateDown(knex: Knex): Promise<string[]> {
  const [, ran] = (await knex.migrate.rollback({ migrationSource }, true)) as [number, string[]];
  return ran;
}

export { pg };
