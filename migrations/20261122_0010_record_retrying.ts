// A record waiting for an in-run retry (InstanceAttemptFailed) has the status `retrying`: the CHECK on
// sync_instance_records.status of 0005 must allow it. Rebuild twins copy the constraint (LIKE ... INCLUDING
// ALL) and swapTwin keeps its name.
import type { Knex } from 'knex';

const statuses = (list: string[]) => list.map((s) => `'${s}'`).join(', ');
const base = ['pending', 'running', 'completed', 'failed', 'skipped', 'abandoned'];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE sync_instance_records DROP CONSTRAINT sync_instance_records_status_check;
    ALTER TABLE sync_instance_records ADD CONSTRAINT sync_instance_records_status_check
      CHECK (status IN (${statuses([...base, 'retrying'])}));
  `);
}

export async function down(knex: Knex): Promise<void> {
  // Before this migration a record waiting to retry was shown running (with the same lease).
  await knex.raw(`
    UPDATE sync_instance_records SET status = 'running' WHERE status = 'retrying';
    ALTER TABLE sync_instance_records DROP CONSTRAINT sync_instance_records_status_check;
    ALTER TABLE sync_instance_records ADD CONSTRAINT sync_instance_records_status_check
      CHECK (status IN (${statuses(base)}));
  `);
}
