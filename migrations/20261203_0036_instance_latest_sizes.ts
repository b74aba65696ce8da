// instance_latest_sizes: per instance, the latest day the capacity projection wrote an
// instance_size_stats row for, so the dashboard's fleet total finds each instance's latest row by its
// primary key instead of searching every monthly partition for every instance (9 in 10 of them with no
// stats at all at fleet size). Kept by the capacity projection (src/projections/capacity/latestSizes.ts;
// docs/decisions.md "The fleet's total size from the latest day per instance"). Filled here from the rows
// already written (one pass over the stats rows); from then on the projection keeps it in each batch's
// transaction, and a rebuild writes it with the other capacity tables.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE instance_latest_sizes (
      instance_id    uuid PRIMARY KEY,
      collected_date date NOT NULL
    );
    INSERT INTO instance_latest_sizes (instance_id, collected_date)
    SELECT instance_id, max(collected_date) FROM instance_size_stats GROUP BY instance_id;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS instance_latest_sizes');
}
