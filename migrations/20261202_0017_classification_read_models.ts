// Read tables of the classification projections: classifications, their rules and every rule version,
// the assignments that hold now, and the daily statistics (rule hits and distinct accounts per
// classification per day). Projections rebuild them from the events.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE classifications (
      id          uuid PRIMARY KEY,
      name        text NOT NULL,
      description text NOT NULL DEFAULT '',
      risk_level  text NOT NULL CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
      color       text NOT NULL,
      priority    integer NOT NULL DEFAULT 0,
      is_system   boolean NOT NULL DEFAULT false,
      is_active   boolean NOT NULL DEFAULT true,
      created_at  timestamptz NOT NULL,
      updated_at  timestamptz NOT NULL,
      deleted_at  timestamptz
    );
    CREATE TABLE classification_rules (
      id                uuid PRIMARY KEY,
      classification_id uuid NOT NULL,
      db_type           text NOT NULL,
      rule_name         text NOT NULL,
      expression        jsonb NOT NULL,
      version           integer NOT NULL,
      is_active         boolean NOT NULL DEFAULT true,
      created_at        timestamptz NOT NULL,
      updated_at        timestamptz NOT NULL,
      deleted_at        timestamptz
    );
    CREATE INDEX classification_rules_class_idx ON classification_rules (classification_id, db_type);
    CREATE TABLE classification_rule_versions (
      rule_id     uuid NOT NULL,
      version     integer NOT NULL,
      expression  jsonb NOT NULL,
      created_at  timestamptz NOT NULL,
      -- the actor that wrote this version (kind:id)
      created_by  text NOT NULL,
      event_id    uuid NOT NULL,
      PRIMARY KEY (rule_id, version)
    );
    CREATE TABLE account_classification_assignments (
      id                uuid PRIMARY KEY,
      account_id        uuid NOT NULL,
      instance_id       uuid NOT NULL,
      username          text NOT NULL,
      classification_id uuid NOT NULL,
      assignment_type   text NOT NULL CHECK (assignment_type IN ('auto', 'manual')),
      rule_id           uuid,
      rule_version      integer,
      session_id        uuid,
      assigned_at       timestamptz NOT NULL,
      assigned_by       text NOT NULL
    );
    CREATE INDEX account_classification_assignments_account_idx
      ON account_classification_assignments (account_id);
    CREATE INDEX account_classification_assignments_class_idx
      ON account_classification_assignments (classification_id);
    CREATE INDEX account_classification_assignments_instance_idx
      ON account_classification_assignments (instance_id);
    -- The totals after the last change of the day: a day without a change has no row (it carries the
    -- previous day's figures forward).
    CREATE TABLE classification_daily_stats (
      stat_date         date NOT NULL,
      classification_id uuid NOT NULL,
      accounts          integer NOT NULL,
      assignments       integer NOT NULL,
      PRIMARY KEY (stat_date, classification_id)
    );
    CREATE TABLE classification_rule_daily_stats (
      stat_date         date NOT NULL,
      rule_id           uuid NOT NULL,
      classification_id uuid NOT NULL,
      hits              integer NOT NULL,
      PRIMARY KEY (stat_date, rule_id)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP TABLE IF EXISTS classification_rule_daily_stats, classification_daily_stats,
    account_classification_assignments, classification_rule_versions, classification_rules, classifications`);
}
