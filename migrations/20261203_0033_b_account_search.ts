// The ledger's search (a part of the username, any case: lower(username) LIKE '%...%') by trigrams: a
// B-tree cannot serve a pattern with a leading wildcard, so without this a search reads every active
// account (500,000: a second and more). pg_trgm ships with PostgreSQL and is a trusted extension (the
// database owner may create it). Building the index holds account writes back for its duration.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  await knex.raw(`
    CREATE INDEX IF NOT EXISTS instance_accounts_username_trgm_idx
      ON instance_accounts USING gin (lower(username) gin_trgm_ops)
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS instance_accounts_username_trgm_idx');
}
