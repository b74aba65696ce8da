// Write-side tables of the session runner (not projections: never rebuilt, never derived from events).
// - process_heartbeats: one row per running process that owns sync records, beaten every SYNC_HEARTBEAT_MS
//   and deleted on a clean stop. Recovery ends the records of a process whose row is gone or stale.
// - open_sessions: the sessions that may still have open records. A row is inserted before the session's
//   first event and deleted once its close is appended; a left-over row is harmless (recovery reads the
//   stream and finds the session closed), a missing one would hide a session from recovery. Each write
//   sets a new token; a removal names the token it read, so it never removes a row a retry just rewrote.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE process_heartbeats (
      process_id uuid PRIMARY KEY,
      host       text NOT NULL,
      pid        integer NOT NULL,
      started_at timestamptz NOT NULL DEFAULT now(),
      beat_at    timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE open_sessions (
      session_id uuid PRIMARY KEY,
      opened_at  timestamptz NOT NULL DEFAULT now(),
      token      uuid NOT NULL DEFAULT gen_random_uuid()
    );
    -- Sessions running when this migration ran (their records carry no owner: their leases tell).
    INSERT INTO open_sessions (session_id, opened_at)
      SELECT session_id, started_at FROM sync_sessions WHERE status = 'running'
      ON CONFLICT DO NOTHING;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE open_sessions; DROP TABLE process_heartbeats;');
}
