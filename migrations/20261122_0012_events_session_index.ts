// A session's timeline (EventStore.readBySession) is every event whose metadata.sessionId is the session,
// on any stream, in (transaction_id, global_position) order. This partial index holds exactly those rows in
// that order; events of no session (users, credentials, instances) stay out of it. CREATE INDEX takes a
// lock that holds appends back while it builds: on a large log, run the migration in a quiet moment.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE INDEX IF NOT EXISTS events_session_id_idx
      ON events ((metadata->>'sessionId'), transaction_id, global_position)
      WHERE (metadata->>'sessionId') IS NOT NULL
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS events_session_id_idx');
}
