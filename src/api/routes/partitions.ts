// Monthly partitions of the size-stats tables: list them, their health and statistics, the core metrics of
// the stats and their aggregations; create the months ahead and drop the months past retention (admin). Every partition created or dropped is an event
// (PartitionCreated / PartitionDropped on stream `partitions`) naming who did it.
import { z } from 'zod';
import type { PartitionInfo } from '../../adapters/db/partitions.js';
import { partitionedTables } from '../../commands/partitions.js';
import { localDate, periodContaining, periodTypes, previousPeriod } from '../../domain/periods/periods.js';
import { aggregationTotals, coreMetricSeries } from '../../projections/aggregations/coreMetrics.js';
import type { ApiDeps } from '../deps.js';
import { pageMeta, pagingQuery } from '../envelope.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { commandContext } from '../commandContext.js';
import { coreMetricsQuery, coreMetricsSchema } from '../schemas/dashboard.js';

/** The tables partitioned by month. */
const STATUS_MONTHS_AHEAD = 3;

const partitionSchema = z.object({
  table: z.string(),
  name: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  is_default: z.boolean(),
  rows: z.number(),
  rows_exact: z.boolean(),
  size_bytes: z.number(),
});
const changeSchema = z.object({ table: z.string(), partition: z.string(), month: z.string().nullable() });

const partitionToApi = (table: string, p: PartitionInfo) => ({
  table,
  name: p.name,
  from: p.from,
  to: p.to,
  is_default: p.isDefault,
  rows: p.rows,
  rows_exact: p.rowsExact,
  size_bytes: p.sizeBytes,
});

/** Partitions, rows and bytes of a list of partitions. */
const totalsOf = (list: readonly ReturnType<typeof partitionToApi>[]) => ({
  partitions: list.length,
  rows: list.reduce((n, p) => n + p.rows, 0),
  size_bytes: list.reduce((n, p) => n + p.size_bytes, 0),
});

export function partitionRoutes(deps: ApiDeps): RouteDefinition[] {
  const { projections, config, commands, knex } = deps;
  const { list: listPartitions, status: partitionStatus } = deps.queries.partitions;
  const today = () => localDate(new Date(), config.timezone);

  const allPartitions = async () => {
    const out: ReturnType<typeof partitionToApi>[] = [];
    for (const table of partitionedTables)
      for (const p of await listPartitions(table)) out.push(partitionToApi(table, p));
    return out;
  };

  return [
    defineRoute({
      method: 'get',
      path: '/partitions/info',
      tag: 'partitions',
      summary: 'The partitioned tables and their partitions',
      access: { permission: 'view' },
      response: z.object({
        tables: z.array(z.object({ table: z.string(), partitions: z.array(partitionSchema) })),
      }),
      handler: async () => {
        const tables = [];
        for (const table of partitionedTables)
          tables.push({
            table,
            partitions: (await listPartitions(table)).map((p) => partitionToApi(table, p)),
          });
        return { data: { tables } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/partitions/status',
      tag: 'partitions',
      summary: "Partition health: today's month and the next three covered, no rows in default partitions",
      access: { permission: 'view' },
      response: z.object({
        healthy: z.boolean(),
        today: z.string(),
        months_ahead: z.number(),
        missing: z.array(z.object({ table: z.string(), month: z.string() })),
        current: z.array(
          z.object({ table: z.string(), month: z.string(), partition: z.string().nullable() }),
        ),
        default_rows: z.number(),
        default_rows_by_table: z.record(z.string(), z.number()),
      }),
      handler: async () => {
        const day = today();
        const s = await partitionStatus(partitionedTables, day, STATUS_MONTHS_AHEAD);
        return {
          data: {
            healthy: s.healthy,
            today: day,
            months_ahead: STATUS_MONTHS_AHEAD,
            missing: s.missing,
            current: s.current,
            default_rows: s.defaultRows,
            default_rows_by_table: s.defaultRowsByTable,
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/partitions',
      tag: 'partitions',
      summary: 'Every partition of the partitioned tables, by table then month (filter: table)',
      access: { permission: 'view' },
      query: pagingQuery.extend({ table: z.enum(partitionedTables).optional() }).strict(),
      response: partitionSchema,
      paged: true,
      handler: async ({ query }) => {
        const all = (await allPartitions()).filter((p) => !query.table || p.table === query.table);
        const start = (query.page - 1) * query.limit;
        return { data: all.slice(start, start + query.limit), meta: pageMeta(query, all.length) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/partitions/statistics',
      tag: 'partitions',
      summary: 'Partition counts, rows and bytes, per table and in total',
      access: { permission: 'view' },
      response: z.object({
        partitions: z.number(),
        rows: z.number(),
        size_bytes: z.number(),
        by_table: z.array(
          z.object({ table: z.string(), partitions: z.number(), rows: z.number(), size_bytes: z.number() }),
        ),
      }),
      handler: async () => {
        const all = await allPartitions();
        return {
          data: {
            ...totalsOf(all),
            by_table: partitionedTables.map((table) => ({
              table,
              ...totalsOf(all.filter((p) => p.table === table)),
            })),
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/partitions/aggregations/core-metrics',
      tag: 'partitions',
      summary:
        'Core metrics per period of period_type (default daily) over the last `periods` (default 7): stats collected, aggregation rows; totals per period type and table',
      access: { permission: 'view' },
      query: coreMetricsQuery,
      response: coreMetricsSchema,
      handler: async ({ query }) => {
        const periods = [periodContaining(query.period_type, today())];
        while (periods.length < query.periods) periods.unshift(previousPeriod(periods[0]!));
        const [first, current] = [periods[0]!, periods[periods.length - 1]!];
        const [series, totals, all] = await Promise.all([
          coreMetricSeries(knex, query.period_type, first.start, current.endExclusive),
          aggregationTotals(knex),
          allPartitions(),
        ]);
        return {
          data: {
            period_type: query.period_type,
            from: first.start,
            to: current.end,
            series: (Object.keys(series) as (keyof typeof series)[]).map((name) => ({
              name,
              points: periods.map((p) => ({ t: p.start, v: series[name].get(p.start) ?? 0 })),
            })),
            by_period_type: periodTypes.map((type) => ({ period_type: type, ...totals(type) })),
            tables: partitionedTables.map((table) => ({
              table,
              ...totalsOf(all.filter((p) => p.table === table)),
            })),
          },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/partitions',
      idempotency: 'repeat',
      tag: 'partitions',
      summary: 'Create the missing monthly partitions from this month to months_ahead (default 3) ahead',
      access: { permission: 'admin' },
      body: z.strictObject({ months_ahead: z.number().int().min(1).max(24).default(STATUS_MONTHS_AHEAD) }),
      response: z.object({ created: z.array(changeSchema) }),
      handler: async ({ body, req, user }) => {
        const { created, position } = await commands.createPartitions(
          today(),
          body.months_ahead,
          commandContext(req, user),
        );
        if (position) await projections.waitForPosition(position);
        return {
          data: { created },
          message: created.length ? `${created.length} partition(s) created` : 'no partition was missing',
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/partitions/actions/cleanup',
      idempotency: 'repeat',
      tag: 'partitions',
      summary: 'Drop the monthly partitions (and their rows) older than retention_months (default 12)',
      access: { permission: 'admin' },
      body: z.strictObject({ retention_months: z.number().int().min(1).max(120).default(12) }),
      response: z.object({ before_month: z.string(), dropped: z.array(changeSchema) }),
      handler: async ({ body, req, user }) => {
        const { before, dropped, position } = await commands.cleanupPartitions(
          today(),
          body.retention_months,
          commandContext(req, user),
        );
        if (position) await projections.waitForPosition(position);
        return {
          data: { before_month: before, dropped },
          message: dropped.length ? `${dropped.length} partition(s) dropped` : 'nothing to drop',
        };
      },
    }),
  ];
}
