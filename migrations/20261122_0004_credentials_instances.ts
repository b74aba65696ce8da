// Credentials and instances: encrypted passwords, unique-name reservations, and the read tables of the
// credentials and instances projections.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- The only place a credential's password exists: AES-256-GCM, bound to the credential id.
    CREATE TABLE credential_secrets (
      credential_id uuid PRIMARY KEY,
      sealed        text NOT NULL,
      key_id        text NOT NULL,
      updated_at    timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX credential_secrets_key_idx ON credential_secrets (key_id);

    -- Write-side uniqueness of names (instances, credentials), taken in the transaction that appends.
    CREATE TABLE name_reservations (
      scope    text NOT NULL,
      name_key text NOT NULL,
      owner_id uuid NOT NULL,
      PRIMARY KEY (scope, name_key)
    );
    CREATE INDEX name_reservations_owner_idx ON name_reservations (owner_id);

    CREATE TABLE credentials (
      id                  uuid PRIMARY KEY,
      name                text NOT NULL,
      db_type             text NOT NULL,
      username            text NOT NULL,
      description         text NOT NULL DEFAULT '',
      is_active           boolean NOT NULL DEFAULT true,
      password_updated_at timestamptz NOT NULL,
      created_at          timestamptz NOT NULL,
      updated_at          timestamptz NOT NULL,
      deleted_at          timestamptz
    );

    CREATE TABLE instances (
      id                uuid PRIMARY KEY,
      name              text NOT NULL,
      db_type           text NOT NULL,
      host              text NOT NULL,
      port              integer NOT NULL,
      database_name     text,
      credential_id     uuid,
      description       text NOT NULL DEFAULT '',
      is_active         boolean NOT NULL DEFAULT true,
      main_version      text,
      connection_status text NOT NULL DEFAULT 'unknown',
      last_connected    timestamptz,
      last_checked_at   timestamptz,
      last_error_code   text,
      last_error        text,
      last_latency_ms   integer,
      created_at        timestamptz NOT NULL,
      updated_at        timestamptz NOT NULL,
      deleted_at        timestamptz
    );
    CREATE INDEX instances_db_type_idx ON instances (db_type) WHERE deleted_at IS NULL;
    CREATE INDEX instances_name_idx ON instances (lower(name));
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS instances, credentials, name_reservations, credential_secrets');
}
