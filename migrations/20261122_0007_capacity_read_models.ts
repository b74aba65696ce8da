// Read tables of the capacity projection besides the partitioned size stats (0006): the database
// inventory of each instance (instance_databases) and the latest table-size snapshot of each database
// (database_table_size_stats). Projections rebuild them into twins (LIKE ... INCLUDING ALL), so: no
// foreign keys, no serial columns, no views.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE instance_databases (
      instance_id     uuid NOT NULL,
      database_name   text NOT NULL,
      is_active       boolean NOT NULL DEFAULT true,
      first_seen_date date NOT NULL,
      last_seen_date  date NOT NULL,
      -- when an inventory found the database gone (occurredAt of that event)
      deleted_at      timestamptz,
      PRIMARY KEY (instance_id, database_name)
    );
    CREATE INDEX instance_databases_active_idx ON instance_databases (is_active, instance_id);

    CREATE TABLE database_table_size_stats (
      instance_id   uuid NOT NULL,
      database_name text NOT NULL,
      schema_name   text NOT NULL,
      table_name    text NOT NULL,
      size_mb       numeric(18,3) NOT NULL,
      data_size_mb  numeric(18,3),
      index_size_mb numeric(18,3),
      row_count     bigint,
      collected_at  timestamptz NOT NULL,
      PRIMARY KEY (instance_id, database_name, schema_name, table_name)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS instance_databases, database_table_size_stats');
}
