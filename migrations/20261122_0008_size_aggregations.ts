// Capacity aggregations per reporting period (daily, weekly, monthly, quarterly), computed from the
// size stats (migration 0006) by src/adapters/db/aggregationSql.ts. Not partitioned: one row per
// (instance, database, period) is small. Projections may rebuild them into twins (LIKE ... INCLUDING
// ALL), so: no foreign keys, no serial columns. Re-running a period upserts on the primary key.
//
// MB figures are numeric(18,3) like the stats; percents (size change, growth rate per day) are
// numeric(9,3), clamped to +-999999.999 by the computation. Change columns are NULL when there is
// no previous-period figure to compare with; growth_rate is NULL when the period has fewer than two
// observed days or the first day's size is 0.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE database_size_aggregations (
      instance_id         uuid NOT NULL,
      database_name       text NOT NULL,
      period_type         text NOT NULL
                            CHECK (period_type IN ('daily', 'weekly', 'monthly', 'quarterly')),
      period_start        date NOT NULL,
      period_end          date NOT NULL,
      avg_size_mb         numeric(18,3) NOT NULL,
      max_size_mb         numeric(18,3) NOT NULL,
      min_size_mb         numeric(18,3) NOT NULL,
      avg_data_size_mb    numeric(18,3),
      max_data_size_mb    numeric(18,3),
      min_data_size_mb    numeric(18,3),
      avg_log_size_mb     numeric(18,3),
      max_log_size_mb     numeric(18,3),
      min_log_size_mb     numeric(18,3),
      data_count          integer NOT NULL,
      size_change_mb      numeric(18,3),
      size_change_percent numeric(9,3),
      growth_rate         numeric(9,3),
      is_partial          boolean NOT NULL DEFAULT false,
      calculated_at       timestamptz NOT NULL,
      PRIMARY KEY (instance_id, database_name, period_type, period_start),
      CHECK (period_end >= period_start)
    );
    CREATE INDEX database_size_aggregations_period_idx
      ON database_size_aggregations (period_type, period_start);

    CREATE TABLE instance_size_aggregations (
      instance_id                 uuid NOT NULL,
      period_type                 text NOT NULL
                                    CHECK (period_type IN ('daily', 'weekly', 'monthly', 'quarterly')),
      period_start                date NOT NULL,
      period_end                  date NOT NULL,
      avg_total_size_mb           numeric(18,3) NOT NULL,
      max_total_size_mb           numeric(18,3) NOT NULL,
      min_total_size_mb           numeric(18,3) NOT NULL,
      data_count                  integer NOT NULL,
      avg_database_count          numeric(12,3) NOT NULL,
      max_database_count          integer NOT NULL,
      min_database_count          integer NOT NULL,
      total_size_change_mb        numeric(18,3),
      total_size_change_percent   numeric(9,3),
      database_count_change       numeric(12,3),
      growth_rate                 numeric(9,3),
      trend_direction             text NOT NULL
                                    CHECK (trend_direction IN ('growing', 'shrinking', 'stable')),
      is_partial                  boolean NOT NULL DEFAULT false,
      calculated_at               timestamptz NOT NULL,
      PRIMARY KEY (instance_id, period_type, period_start),
      CHECK (period_end >= period_start)
    );
    CREATE INDEX instance_size_aggregations_period_idx
      ON instance_size_aggregations (period_type, period_start);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS database_size_aggregations, instance_size_aggregations');
}
