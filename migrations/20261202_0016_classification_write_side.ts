// Write-side tables of classification (not projections: never rebuilt, kept in the transaction that
// appends the events they go with, as instance_endpoints and name_reservations are).
// - classification_index: each live classification and whether it is active (auto-classify skips the
//   inactive ones; a deleted one has no row).
// - classification_rule_index: each live rule at its current version, with its canonical expression
//   (EXPRESSION_DUPLICATED is decided here) and the expression auto-classify evaluates.
// - classification_assignment_index: each assignment that holds, so deleting a classification can count
//   them (CLASSIFICATION_IN_USE) without folding every instance's assignments stream.
// - classification_checkpoints: per instance, what the last auto-classify run read (accounts stream
//   revision, rule versions, a fingerprint of each account's facts), so the next run judges only the
//   accounts that changed (src/domain/classification/checkpoint.ts). A cache: a missing or stale row
//   means judging every account.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE classification_index (
      classification_id uuid PRIMARY KEY,
      is_active         boolean NOT NULL
    );
    CREATE TABLE classification_rule_index (
      rule_id           uuid PRIMARY KEY,
      classification_id uuid NOT NULL,
      db_type           text NOT NULL,
      version           integer NOT NULL,
      expression        jsonb NOT NULL,
      -- canonicalExpression() of src/domain/classification/canonical.ts
      canonical         text NOT NULL,
      is_active         boolean NOT NULL
    );
    CREATE INDEX classification_rule_index_class_idx ON classification_rule_index (classification_id, db_type);
    CREATE TABLE classification_assignment_index (
      assignment_id     uuid PRIMARY KEY,
      classification_id uuid NOT NULL,
      instance_id       uuid NOT NULL
    );
    CREATE INDEX classification_assignment_index_class_idx
      ON classification_assignment_index (classification_id);
    CREATE TABLE classification_checkpoints (
      instance_id       uuid PRIMARY KEY,
      accounts_revision bigint NOT NULL,
      rules_key         text NOT NULL,
      fingerprints      jsonb NOT NULL,
      updated_at        timestamptz NOT NULL DEFAULT now()
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    'DROP TABLE IF EXISTS classification_checkpoints, classification_assignment_index, classification_rule_index, classification_index',
  );
}
