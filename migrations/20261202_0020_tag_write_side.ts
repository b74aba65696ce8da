// Write-side tables of tags (not projections: never rebuilt, kept in the transaction that appends the
// events they go with, as classification_index and name_reservations are).
// - tag_index: each live tag and whether it is active (only active tags are assigned; a deleted tag has no
//   row, so an assignment that raced its deletion finds it gone).
// - instance_tag_index: the tags each instance holds, so deleting a tag can count its holders (TAG_IN_USE)
//   and untag each of them (force) without folding every instance stream.
// - idempotency_keys: a bulk request's Idempotency-Key (per user), the fingerprint of its body and the
//   session that runs it: a retry with the same key answers the receipt of that session.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE tag_index (
      tag_id    uuid PRIMARY KEY,
      is_active boolean NOT NULL
    );
    CREATE TABLE instance_tag_index (
      instance_id uuid NOT NULL,
      tag_id      uuid NOT NULL,
      PRIMARY KEY (instance_id, tag_id)
    );
    CREATE INDEX instance_tag_index_tag_idx ON instance_tag_index (tag_id);
    CREATE TABLE idempotency_keys (
      scope        text NOT NULL,
      actor        text NOT NULL,
      key          text NOT NULL,
      request_hash text NOT NULL,
      session_id   uuid NOT NULL,
      created_at   timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (scope, actor, key)
    );
    CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS idempotency_keys, instance_tag_index, tag_index');
}
