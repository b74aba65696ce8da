// instance_size_aggregations.trend_direction is NULL when there is no change percent to judge a trend by
// (no previous period, or a previous average of 0): 0008 made it NOT NULL and the SQL said `stable`.
// Rebuild twins copy the column (LIKE ... INCLUDING ALL), so they follow.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE instance_size_aggregations ALTER COLUMN trend_direction DROP NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  // Before this migration a period without a previous one was recorded `stable`.
  await knex.raw(`
    UPDATE instance_size_aggregations SET trend_direction = 'stable' WHERE trend_direction IS NULL;
    ALTER TABLE instance_size_aggregations ALTER COLUMN trend_direction SET NOT NULL;
  `);
}
