// Dashboard shapes (issue 15): the overview, the chart series, the recent activities, the status, the
// core metrics of the size stats, and a session as the live event stream sends it; snake_case.
import { z } from 'zod';
import { periodTypes } from '../../domain/periods/periods.js';
import {
  databaseCheckSchema,
  eventStoreCheckSchema,
  migrationsSchema,
  projectionLagSchema,
} from '../healthChecks.js';
import { auditEventSchema } from './audit.js';
import { jobSchema } from './scheduler.js';
import { sessionSchema, sessionStatuses } from './syncSessions.js';

const day = z.iso.date();
const time = z.iso.datetime();
const count = z.number().int().min(0);

const byStatus = z.object(
  Object.fromEntries(sessionStatuses.map((s) => [s, count])) as Record<
    (typeof sessionStatuses)[number],
    typeof count
  >,
);

export const progressSchema = z
  .object({
    total: count.describe('the instances of the session'),
    pending: count,
    running: count,
    retrying: count,
    completed: count,
    failed: count,
    skipped: count,
    abandoned: count,
  })
  .describe("the session's records by status");

export const sessionWithProgressSchema = sessionSchema.extend({ progress: progressSchema });

/** The data of one `event: session` of GET /events/stream. */
export const liveSessionSchema = sessionWithProgressSchema
  .extend({
    last_event_type: z
      .string()
      .nullable()
      .describe(
        'the type of the last session event applied, e.g. InstanceSyncCompleted, SessionCompleted; null in the state sent when a stream following one session opens',
      ),
  })
  .describe(
    'each `event: session` carries one of these as its JSON data (the session row after the projection applied its events); a `: keepalive` comment comes every EVENT_STREAM_KEEPALIVE_MS (15 s)',
  );

const attentionSchema = z.object({
  session_id: z.uuid(),
  sync_category: z.string(),
  sync_type: z.string(),
  status: z.enum(['failed', 'partial']),
  started_at: time,
  completed_at: time.nullable(),
  failed_records: count.describe('its records that failed or were abandoned'),
  first_error: z
    .object({
      instance_id: z.uuid(),
      instance_name: z.string().nullable(),
      error_code: z.string().nullable(),
      error_message: z.string().nullable(),
    })
    .nullable()
    .describe('the first of those records to end; null when none did (a cancelled record)'),
});

export const overviewSchema = z.object({
  generated_at: time,
  instances: z.object({
    total: count.describe('not deleted'),
    active: count,
    inactive: count,
    deleted: count.describe('in the recycle bin'),
    servers: count,
    by_db_type: z.record(z.string(), count),
    servers_by_db_type: z.record(z.string(), count),
    by_connection_status: z.record(z.string(), count),
  }),
  sessions_24h: z.object({ since: time, total: count, by_status: byStatus }),
  accounts: z
    .object({ active: count, superuser: count, grant_admin: count, locked: count })
    .describe(
      'active accounts; the ledger lists them with capability=SUPERUSER, capability=GRANT_ADMIN, locked=true',
    ),
  capacity: z.object({
    total_size_mb: z.number().describe("the sum of each live instance's latest collected total"),
    instances: count.describe('the live instances with a collected total'),
    latest_collected_date: day.nullable(),
    growth: z.object({
      days: count,
      since: day,
      total_size_mb_then: z.number(),
      change_mb: z.number(),
      change_percent: z.number().nullable().describe('null when the total then was 0'),
    }),
  }),
  projections: z.array(projectionLagSchema),
  next_runs: z
    .array(
      z.object({
        job_id: z.string(),
        description: z.string(),
        next_run: time,
        cron: z.string(),
        timezone: z.string(),
      }),
    )
    .describe('the jobs not paused, soonest first'),
  attention: z.array(attentionSchema).describe('failed or partial sessions of the last 7 days, newest first'),
});

export const chartsQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(90).default(14).describe('how many days back, today included'),
});

const seriesSchema = z.object({
  name: z.string().describe('sessions_<status> or total_size_mb'),
  unit: z.enum(['sessions', 'MB']),
  points: z.array(
    z.object({
      t: day.describe('the local day (WHALEFALL_TIMEZONE)'),
      v: z.number().nullable().describe('null: nothing was collected that day'),
    }),
  ),
});

export const chartsSchema = z.object({
  days: count,
  from: day,
  to: day,
  timezone: z.string(),
  series: z.array(seriesSchema).describe('every series has one point per day, oldest first'),
});

export const activitiesSchema = z.object({
  sessions: z.array(sessionWithProgressSchema).describe('the latest 20, newest first'),
  audit_events: z
    .array(auditEventSchema)
    .optional()
    .describe("the latest 20, newest first; only for a role with 'admin' (as GET /audit/events)"),
});

export const statusSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  reasons: z.array(z.string()),
  database: databaseCheckSchema,
  event_store: eventStoreCheckSchema,
  migrations: migrationsSchema,
  projections: z.array(projectionLagSchema),
  scheduler: z.object({
    enabled: z.boolean().describe('this process runs the scheduler (WHALEFALL_SCHEDULER=on)'),
    jobs: z.array(jobSchema),
  }),
});

export const coreMetricsQuery = z.strictObject({
  period_type: z.enum(periodTypes).default('daily'),
  periods: z.coerce
    .number()
    .int()
    .min(1)
    .max(90)
    .default(7)
    .describe('how many periods back, the current one included'),
});

const aggregationLevel = z.object({
  rows: count,
  partial_rows: count.describe('of periods still running'),
  latest_period_start: day.nullable(),
});

export const coreMetricsSchema = z.object({
  period_type: z.enum(periodTypes),
  from: day,
  to: day.describe('the last day of the current period'),
  series: z
    .array(
      z.object({
        name: z.enum([
          'instances_collected',
          'databases_collected',
          'instance_aggregations',
          'database_aggregations',
        ]),
        points: z.array(z.object({ t: day.describe("the period's first day"), v: count })),
      }),
    )
    .describe(
      'per period: the instances and databases with stats collected in it, the aggregation rows of the type beginning on it',
    ),
  by_period_type: z.array(
    z.object({ period_type: z.enum(periodTypes), instance: aggregationLevel, database: aggregationLevel }),
  ),
  tables: z
    .array(z.object({ table: z.string(), partitions: count, rows: count, size_bytes: count }))
    .describe('the partitioned size-stat tables (rows estimated by PostgreSQL for large partitions)'),
});
