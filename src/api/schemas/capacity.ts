// Response shapes of the capacity lists: aggregation rows (migration 0008's columns, numeric ones as
// numbers, with the instance's name and db_type), the database ledgers and daily sizes
// (src/projections/capacity/queries.ts, src/projections/aggregations/queries.ts).
import { z } from 'zod';
import { dbTypes } from '../../domain/engines/model.js';
import { periodTypes } from '../../domain/periods/periods.js';

const day = z.iso.date();
const time = z.iso.datetime();
const mb = z.number();

const period = {
  instance_id: z.uuid(),
  instance_name: z.string(),
  db_type: z.enum(dbTypes),
  period_type: z.enum(periodTypes),
  period_start: day,
  period_end: day,
  data_count: z.number().int().describe('days with stats in the period'),
  growth_rate: z.number().nullable().describe('percent per day; null with fewer than two days'),
  is_partial: z.boolean().describe('the period was still running when computed'),
  calculated_at: time,
};

export const instanceAggregationSchema = z.object({
  ...period,
  avg_total_size_mb: mb,
  max_total_size_mb: mb,
  min_total_size_mb: mb,
  avg_database_count: z.number(),
  max_database_count: z.number().int(),
  min_database_count: z.number().int(),
  total_size_change_mb: mb.nullable().describe('against the previous period; null without one'),
  total_size_change_percent: z.number().nullable(),
  database_count_change: z.number().nullable(),
  trend_direction: z
    .enum(['growing', 'shrinking', 'stable'])
    .nullable()
    .describe('null without a previous period to compare with'),
});

export const databaseAggregationSchema = z.object({
  ...period,
  database_name: z.string(),
  avg_size_mb: mb,
  max_size_mb: mb,
  min_size_mb: mb,
  avg_data_size_mb: mb.nullable(),
  max_data_size_mb: mb.nullable(),
  min_data_size_mb: mb.nullable(),
  avg_log_size_mb: mb.nullable(),
  max_log_size_mb: mb.nullable(),
  min_log_size_mb: mb.nullable(),
  size_change_mb: mb.nullable().describe('against the previous period; null without one'),
  size_change_percent: z.number().nullable(),
});

const sizes = {
  size_mb: mb,
  data_size_mb: mb.nullable(),
  log_size_mb: mb.nullable(),
  collected_date: day,
};

export const databaseLedgerSchema = z.object({
  id: z.uuid().describe('the database id of /databases/{id}/tables/sizes'),
  instance_id: z.uuid(),
  instance_name: z.string().nullable(),
  database_name: z.string(),
  is_active: z.boolean().describe('false: the last inventory no longer found it'),
  first_seen_date: day,
  last_seen_date: day,
  deleted_at: time.nullable(),
  latest_size: z
    .object({ ...sizes, collected_at: time.nullable() })
    .nullable()
    .describe('the latest daily size; null before any stats'),
});

export const databaseSizeSchema = z.object({
  database_id: z.uuid(),
  instance_id: z.uuid(),
  database_name: z.string(),
  ...sizes,
  collected_at: time,
});

/** A date in a request (a filter, a period's start). */
export const dateInput = z.iso.date({ error: 'expected a date as YYYY-MM-DD' });

export const tableSizesSchema = z.object({
  database: z.object({
    id: z.uuid(),
    instance_id: z.uuid(),
    instance_name: z.string().nullable(),
    database_name: z.string(),
    is_active: z.boolean(),
    /** Of the latest snapshot; null before the first refresh. */
    collected_at: z.string().nullable(),
  }),
  tables: z.array(
    z.object({
      schema_name: z.string(),
      table_name: z.string(),
      size_mb: z.number(),
      data_size_mb: z.number().nullable(),
      index_size_mb: z.number().nullable(),
      row_count: z.number().nullable(),
      collected_at: z.string(),
    }),
  ),
});
export const itemErrorSchema = z.object({ item: z.string(), code: z.string(), message: z.string() });
