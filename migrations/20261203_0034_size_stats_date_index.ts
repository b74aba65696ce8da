// The stats tables by day: an index on collected_date for database_size_stats and instance_size_stats,
// so an aggregation of one period reads that period's rows (and its previous period's) instead of every
// row of the monthly partitions it prunes to. Their primary keys lead with instance_id, so without it the
// nightly daily aggregation scanned a whole month partition to find two days (docs/decisions.md,
// "Daily aggregation reads two days"). Created on the partitioned tables: every partition, and every
// partition created later (partitions.ts, rebuild twins), gets its own. Building it locks the stats
// tables against writes (no CONCURRENTLY on partitioned tables): on a large history, migrate in a quiet
// moment, not while stats are collected.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE INDEX IF NOT EXISTS database_size_stats_collected_date_idx ON database_size_stats (collected_date);
    CREATE INDEX IF NOT EXISTS instance_size_stats_collected_date_idx ON instance_size_stats (collected_date);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX IF EXISTS database_size_stats_collected_date_idx;
    DROP INDEX IF EXISTS instance_size_stats_collected_date_idx;
  `);
}
