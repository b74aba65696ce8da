// Indexes for a session's records in pages (GET /sync-sessions/{id} and /sync-sessions/{id}/records,
// docs/decisions.md "A session's records are paged"): the records of one session by instance name, then
// id, so a page is read from the index instead of sorting every record of the session; and the same per
// status, so a filter on a status (the failed records of a session of 10,000) reads only those records.
// CREATE INDEX holds record writes back while it builds: run the migration in a quiet moment.
import type { Knex } from 'knex';

const indexes: [name: string, definition: string][] = [
  [
    'sync_instance_records_session_name_idx',
    'sync_instance_records (session_id, instance_name, instance_id)',
  ],
  [
    'sync_instance_records_session_status_idx',
    'sync_instance_records (session_id, status, instance_name, instance_id)',
  ],
];

export async function up(knex: Knex): Promise<void> {
  for (const [name, definition] of indexes)
    await knex.raw(`CREATE INDEX IF NOT EXISTS ${name} ON ${definition}`);
}

export async function down(knex: Knex): Promise<void> {
  for (const [name] of indexes) await knex.raw(`DROP INDEX IF EXISTS ${name}`);
}
