// Write-side table of the login rate limiters (not a projection: never rebuilt, never derived from events).
// - rate_limit_hits: one row per limiter key (the limiter's prefix, then its key: a username, an address),
//   its hits in the current window and when the window ends, on the database clock. Every `serve`
//   process counts in the same row, so N processes do not give N times the attempts. A row whose window
//   ended is reused by the next hit (reset in the same statement); rows never hit again are pruned by
//   reset_at.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE rate_limit_hits (
      key      text PRIMARY KEY,
      hits     integer NOT NULL,
      reset_at timestamptz NOT NULL
    );
    CREATE INDEX rate_limit_hits_reset_at_idx ON rate_limit_hits (reset_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS rate_limit_hits');
}
