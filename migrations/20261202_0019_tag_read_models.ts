// Read tables of the tags projection: the tags (a deleted tag keeps its row, with deleted_at) and the tags
// each instance holds now (instance_tags). Projections rebuild them from the events.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE tags (
      id           uuid PRIMARY KEY,
      name         text NOT NULL,
      display_name text NOT NULL,
      category     text NOT NULL DEFAULT '',
      color        text NOT NULL DEFAULT '',
      description  text NOT NULL DEFAULT '',
      is_active    boolean NOT NULL DEFAULT true,
      created_at   timestamptz NOT NULL,
      updated_at   timestamptz NOT NULL,
      deleted_at   timestamptz
    );
    -- Not unique: the write side keeps names unique (any case) among tags not deleted; a read table
    -- must never refuse what the log holds.
    CREATE INDEX tags_lower_name_idx ON tags (lower(name));
    CREATE INDEX tags_category_idx ON tags (category);
    CREATE TABLE instance_tags (
      instance_id uuid NOT NULL,
      tag_id      uuid NOT NULL,
      tagged_at   timestamptz NOT NULL,
      -- the bulk session that tagged it; null for a single change
      session_id  uuid,
      PRIMARY KEY (instance_id, tag_id)
    );
    CREATE INDEX instance_tags_tag_idx ON instance_tags (tag_id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS instance_tags, tags');
}
