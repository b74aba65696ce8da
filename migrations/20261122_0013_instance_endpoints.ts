// Write-side record of which server (engine, host, port) each instance monitors, so that a second
// instance of one server is refused in the transaction that registers it (INSTANCE_DUPLICATE), as
// name_reservations does for names. Filled from the instances registered before it.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE instance_endpoints (
      instance_id  uuid PRIMARY KEY,
      endpoint_key text NOT NULL
    );
    CREATE INDEX instance_endpoints_key_idx ON instance_endpoints (endpoint_key);
    -- The key is endpointKey() of src/domain/instances/endpoint.ts: db_type|lower(trimmed host)|port.
    INSERT INTO instance_endpoints (instance_id, endpoint_key)
      SELECT id, db_type || '|' || lower(btrim(host)) || '|' || port FROM instances
      ON CONFLICT DO NOTHING;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS instance_endpoints');
}
