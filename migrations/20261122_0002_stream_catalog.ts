// Read table of the stream_catalog projection: one row per stream.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE stream_catalog (
      stream_id       text PRIMARY KEY,
      category        text NOT NULL,
      last_revision   bigint NOT NULL,
      event_count     bigint NOT NULL,
      first_event_at  timestamptz NOT NULL,
      last_event_at   timestamptz NOT NULL,
      last_event_type text NOT NULL
    );
    CREATE INDEX stream_catalog_category_idx ON stream_catalog (category, last_event_at DESC);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS stream_catalog');
}
