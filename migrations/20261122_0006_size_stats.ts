// Capacity statistics: database_size_stats (one row per database per day) and instance_size_stats (one
// row per instance per day), range-partitioned by month on collected_date. Projections rebuild them into
// twins (LIKE ... INCLUDING ALL, partitions cloned), so: no foreign keys, no serial columns, and
// partition names `<table>_YYYY_MM` / `<table>_default` stay short enough for the `__rebuild` suffix.
// Each table has a DEFAULT partition, so a stat for a month nobody created a partition for still
// inserts; src/adapters/db/partitions.ts creates months ahead, moves strays out of the default, drops
// old months. This migration creates the current UTC month and the next 3, computed by the database.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE database_size_stats (
      instance_id    uuid NOT NULL,
      database_name  text NOT NULL,
      size_mb        numeric(18,3) NOT NULL,
      data_size_mb   numeric(18,3),
      log_size_mb    numeric(18,3),
      collected_date date NOT NULL,
      collected_at   timestamptz NOT NULL,
      PRIMARY KEY (instance_id, database_name, collected_date)
    ) PARTITION BY RANGE (collected_date);
    CREATE TABLE database_size_stats_default PARTITION OF database_size_stats DEFAULT;

    CREATE TABLE instance_size_stats (
      instance_id    uuid NOT NULL,
      total_size_mb  numeric(18,3) NOT NULL,
      database_count integer NOT NULL,
      collected_date date NOT NULL,
      collected_at   timestamptz NOT NULL,
      PRIMARY KEY (instance_id, collected_date)
    ) PARTITION BY RANGE (collected_date);
    CREATE TABLE instance_size_stats_default PARTITION OF instance_size_stats DEFAULT;

    DO $$
    DECLARE
      first_month date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
      month_start date;
      t text;
    BEGIN
      FOREACH t IN ARRAY ARRAY['database_size_stats', 'instance_size_stats'] LOOP
        FOR i IN 0..3 LOOP
          month_start := (first_month + make_interval(months => i))::date;
          EXECUTE format(
            'CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
            t || '_' || to_char(month_start, 'YYYY_MM'),
            t,
            month_start,
            (month_start + interval '1 month')::date
          );
        END LOOP;
      END LOOP;
    END
    $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS database_size_stats, instance_size_stats');
}
