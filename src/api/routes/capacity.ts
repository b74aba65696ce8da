// Capacity: start capacity collections (202 + session_id, the session runs on), compute aggregations for
// a period, read the aggregations and their summaries. The databases' sizes are in databases.ts.
import { z } from 'zod';
import { describeOutcome, type AggregationOutcome } from '../../commands/aggregate.js';
import { aggregationScopes } from '../../domain/aggregation/events.js';
import { dbTypes } from '../../domain/engines/model.js';
import { periodTypes } from '../../domain/periods/periods.js';
import type { ApiDeps } from '../deps.js';
import { pageMeta, pagingQuery } from '../envelope.js';
import { pageTotals } from '../pageTotals.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { commandContext } from '../commandContext.js';
import { aggregationSummary, listAggregations } from '../../projections/aggregations/queries.js';
import {
  databaseAggregationSchema,
  dateInput as day,
  instanceAggregationSchema,
} from '../schemas/capacity.js';
import { tagFilterQuery } from '../schemas/common.js';
import { sessionStartRoutes } from './sessionStartRoutes.js';

const periodSchema = z.object({
  type: z.enum(periodTypes),
  start: z.string(),
  end: z.string(),
  end_exclusive: z.string(),
});
/** The reference's scope: both levels (the default), or one, under the same coverage. */
const scope = z.enum(aggregationScopes).default('all');
const aggregationResult = z.object({
  session_id: z.uuid(),
  period: periodSchema,
  scope: z.enum(aggregationScopes),
  partial: z.boolean(),
  /** False when nothing was computed: no active instance, or none had stats in the period. */
  computed: z.boolean(),
  included: z.array(z.string()),
  missing: z.array(z.string()),
});

const toApi = (o: AggregationOutcome) => ({
  session_id: o.sessionId,
  period: {
    type: o.period.type,
    start: o.period.start,
    end: o.period.end,
    end_exclusive: o.period.endExclusive,
  },
  scope: o.scope,
  partial: o.partial,
  computed: o.computed,
  included: o.included,
  missing: o.missing,
});

const aggregationFilters = pagingQuery.extend({
  instance_id: z.uuid().optional(),
  db_type: z.enum(dbTypes).optional(),
  period_type: z.enum(periodTypes).optional(),
  start_date: day.optional(),
  end_date: day.optional(),
  tag: tagFilterQuery,
});

const summarySchema = z.object({
  period_type: z.enum(periodTypes),
  period_start: z.string().nullable(),
  period_end: z.string().nullable(),
  count: z.number(),
  total_avg_size_mb: z.number(),
  average_avg_size_mb: z.number().nullable(),
  total_size_change_mb: z.number().nullable(),
  growth_percent: z.number().nullable(),
  partial: z.boolean(),
});

export function capacityRoutes(deps: ApiDeps): RouteDefinition[] {
  const { knex, projections, config, commands } = deps;
  const totals = pageTotals(projections);
  const { aggregate } = commands;

  const instanceQuery = aggregationFilters.strict();
  const databaseQuery = aggregationFilters
    .extend({ database: z.string().min(1).max(256).optional() })
    .strict();
  const summaryQuery = (extra: z.ZodRawShape = {}) =>
    aggregationFilters
      .omit({ page: true, limit: true, period_type: true })
      .extend({ period_type: z.enum(periodTypes).default('daily'), ...extra })
      .strict();

  return [
    ...sessionStartRoutes(deps, {
      tag: 'capacity',
      what: 'capacity collection',
      singlePath: '/instances/:id/actions/sync-capacity',
      batchPath: '/capacity/actions/collect',
      singleSummary: "Collect one instance's database inventory and sizes (answers with the session_id)",
      batchSummary:
        'Collect capacity of the listed instances, or of every active instance when instance_ids is omitted',
      run: commands.runCapacityCollection,
    }),
    defineRoute({
      method: 'post',
      path: '/capacity/aggregations',
      tag: 'capacity',
      summary:
        'Aggregate one period (default: the last completed one of the type); scope all (default), instance or database',
      access: { permission: 'update' },
      body: z.strictObject({ period_type: z.enum(periodTypes), period_start: day.optional(), scope }),
      response: aggregationResult,
      handler: async ({ body, req, user }) => {
        const outcome = await aggregate(
          {
            periodType: body.period_type,
            periodStart: body.period_start,
            scope: body.scope,
            timeZone: config.timezone,
          },
          commandContext(req, user),
        );
        await projections.waitForPosition(outcome.position);
        return { data: toApi(outcome), message: describeOutcome(outcome) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/capacity/aggregations/current',
      tag: 'capacity',
      summary:
        'Aggregate the periods still running (partial), for the given types or all four; scope all, instance or database',
      access: { permission: 'update' },
      body: z.strictObject({ period_types: z.array(z.enum(periodTypes)).min(1).max(4).optional(), scope }),
      response: z.object({ session_ids: z.array(z.uuid()), aggregations: z.array(aggregationResult) }),
      handler: async ({ body, req, user }) => {
        const ctx = commandContext(req, user);
        const outcomes: AggregationOutcome[] = [];
        for (const periodType of [...new Set(body.period_types ?? periodTypes)])
          outcomes.push(
            await aggregate({ periodType, current: true, scope: body.scope, timeZone: config.timezone }, ctx),
          );
        const last = outcomes.at(-1);
        if (last) await projections.waitForPosition(last.position);
        return {
          data: { session_ids: outcomes.map((o) => o.sessionId), aggregations: outcomes.map(toApi) },
          message: outcomes.map(describeOutcome).join('; '),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/capacity/instances',
      tag: 'capacity',
      summary:
        'Instance size aggregations (filters: instance_id, db_type, period_type, start_date, end_date, tag)',
      access: { permission: 'view' },
      query: instanceQuery,
      response: instanceAggregationSchema,
      paged: true,
      handler: async ({ query }) => {
        const { items, total } = await listAggregations(knex, 'instance_size_aggregations', query, totals);
        // Rows of a.* (their shape is the migration's); the e2e route test checks them against the schema.
        type Row = z.input<typeof instanceAggregationSchema>;
        return { data: items as Row[], meta: pageMeta(query, total) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/capacity/instances/summary',
      tag: 'capacity',
      summary:
        'Totals of the latest period of period_type (default daily): sum and average size, count, growth',
      access: { permission: 'view' },
      query: summaryQuery(),
      response: summarySchema,
      handler: async ({ query }) => ({
        data: await aggregationSummary(
          knex,
          'instance_size_aggregations',
          'avg_total_size_mb',
          'total_size_change_mb',
          { ...query, page: 1, limit: 1 },
        ),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/capacity/databases',
      tag: 'capacity',
      summary:
        'Database size aggregations (filters: instance_id, db_type, database, period_type, start_date, end_date, tag)',
      access: { permission: 'view' },
      query: databaseQuery,
      response: databaseAggregationSchema,
      paged: true,
      handler: async ({ query }) => {
        const { items, total } = await listAggregations(knex, 'database_size_aggregations', query);
        type Row = z.input<typeof databaseAggregationSchema>;
        return { data: items as Row[], meta: pageMeta(query, total) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/capacity/databases/summary',
      tag: 'capacity',
      summary: 'Totals of the latest period of period_type (default daily) over database aggregations',
      access: { permission: 'view' },
      query: summaryQuery({ database: z.string().min(1).max(256).optional() }),
      response: summarySchema,
      handler: async ({ query }) => ({
        data: await aggregationSummary(knex, 'database_size_aggregations', 'avg_size_mb', 'size_change_mb', {
          ...query,
          page: 1,
          limit: 1,
        }),
      }),
    }),
  ];
}
