// Users and sign-in state (plain tables: see docs/decisions.md), and the audit_log read table.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE users (
      id                 uuid PRIMARY KEY,
      username           text NOT NULL,
      password_hash      text NOT NULL,
      role               text NOT NULL CHECK (role IN ('admin', 'user', 'viewer')),
      is_active          boolean NOT NULL DEFAULT true,
      last_login_at      timestamptz,
      -- tokens issued before this instant are refused (password change, deactivation)
      tokens_valid_after timestamptz NOT NULL DEFAULT now(),
      created_at         timestamptz NOT NULL DEFAULT now(),
      updated_at         timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX users_username_key ON users (lower(username));

    -- Server-side secrets shared by every process (JWT signing, CSRF), generated on first use.
    CREATE TABLE auth_secrets (
      name       text PRIMARY KEY,
      value      text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    -- Logged-out tokens, until they would have expired anyway.
    CREATE TABLE revoked_tokens (
      jti        uuid PRIMARY KEY,
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX revoked_tokens_expires_idx ON revoked_tokens (expires_at);

    -- Read table of the audit_log projection.
    CREATE TABLE audit_log (
      event_id         uuid PRIMARY KEY,
      position_commit  bigint NOT NULL,
      position_prepare bigint NOT NULL,
      type             text NOT NULL,
      occurred_at      timestamptz NOT NULL,
      actor_kind       text NOT NULL,
      actor_id         text NOT NULL,
      user_id          uuid,
      username         text,
      ip               text,
      details          jsonb NOT NULL
    );
    CREATE INDEX audit_log_time_idx ON audit_log (occurred_at DESC, position_commit DESC, position_prepare DESC);
    CREATE INDEX audit_log_type_idx ON audit_log (type, occurred_at DESC);
    CREATE INDEX audit_log_username_idx ON audit_log (lower(username), occurred_at DESC);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS audit_log, revoked_tokens, auth_secrets, users');
}
