// Capacity: start capacity collections (202 + session_id, the session runs on), compute aggregations for
// a period, read the aggregations and their summaries, the database ledgers and daily sizes, and table
// sizes of one database, addressed by the database id the ledgers show (refreshed by the
// refreshTableSizes command, which reads them live from the instance).
import { z } from 'zod';
import { describeOutcome, makeAggregate, type AggregationOutcome } from '../../commands/aggregate.js';
import { makeRefreshTableSizes } from '../../commands/refreshTableSizes.js';
import { makeRunCapacityCollection } from '../../commands/sync/collectCapacity.js';
import { aggregationScopes } from '../../domain/aggregation/events.js';
import { dbTypes } from '../../domain/engines/model.js';
import { notFound } from '../../domain/errors.js';
import { periodTypes } from '../../domain/periods/periods.js';
import {
  databaseSizes,
  databaseTableSizes,
  listDatabaseLedgers,
  withDatabaseId,
} from '../../projections/capacity/queries.js';
import type { ApiDeps } from '../deps.js';
import { pageMeta, pagingQuery } from '../envelope.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { commandContext } from '../commandContext.js';
import { booleanQuery, idParams } from '../schemas/common.js';
import {
  aggregationSummary,
  allDatabaseSizes,
  listAggregations,
} from '../../projections/aggregations/queries.js';
import {
  databaseAggregationSchema,
  databaseLedgerSchema,
  databaseSizeSchema,
  instanceAggregationSchema,
} from '../schemas/capacity.js';
import { sessionRunDeps } from './sessionRunDeps.js';
import { sessionStartRoutes } from './sessionStartRoutes.js';

const day = z.iso.date({ error: 'expected a date as YYYY-MM-DD' });

const tableSizesSchema = z.object({
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
const itemErrorSchema = z.object({ item: z.string(), code: z.string(), message: z.string() });

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
  const { knex, store, projections, config } = deps;
  const runCollection = makeRunCapacityCollection(sessionRunDeps(deps), config.timezone, {
    attempts: config.capacity.attempts,
    backoffMs: config.capacity.retryBackoffMs,
  });
  const makeRun = makeAggregate({
    knex,
    store,
    sessions: deps.sessions,
    deadlineMs: config.sync.instanceDeadlineMs,
  });
  // The figures come from the stats tables and the instance list: let the projections reach what the
  // log holds now (a collection that just ended), so a run never misses stats that are already recorded.
  const aggregate: typeof makeRun = async (cmd, ctx) => {
    await projections.waitForPosition(await store.headPosition());
    return makeRun(cmd, ctx);
  };
  const refreshTableSizes = makeRefreshTableSizes({
    knex,
    store,
    keyring: deps.keyring.current,
    reloadKeyring: deps.keyring.reload,
  });

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
      run: runCollection,
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
        'Instance size aggregations (filters: instance_id, db_type, period_type, start_date, end_date)',
      access: { permission: 'view' },
      query: instanceQuery,
      response: instanceAggregationSchema,
      paged: true,
      handler: async ({ query }) => {
        const { items, total } = await listAggregations(knex, 'instance_size_aggregations', query);
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
        'Database size aggregations (filters: instance_id, db_type, database, period_type, start_date, end_date)',
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
    defineRoute({
      method: 'get',
      path: '/databases/ledgers',
      tag: 'capacity',
      summary:
        "The database inventory: each database's id and latest size (filters: instance_id, search, active)",
      access: { permission: 'view' },
      query: pagingQuery
        .extend({
          instance_id: z.uuid().optional(),
          search: z.string().max(128).optional(),
          active: booleanQuery.optional(),
        })
        .strict(),
      response: databaseLedgerSchema,
      paged: true,
      handler: async ({ query }) => {
        const { items, total } = await listDatabaseLedgers(
          knex,
          { instanceId: query.instance_id, search: query.search, active: query.active },
          query,
        );
        return { data: items, meta: pageMeta(query, total) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/databases/sizes',
      tag: 'capacity',
      summary:
        'Daily database sizes with their database_id, newest first (filters: instance_id, database, start_date, end_date)',
      access: { permission: 'view' },
      query: pagingQuery
        .extend({
          instance_id: z.uuid().optional(),
          database: z.string().min(1).max(256).optional(),
          start_date: day.optional(),
          end_date: day.optional(),
        })
        .strict(),
      response: databaseSizeSchema,
      paged: true,
      handler: async ({ query }) => {
        const filters = {
          databaseName: query.database,
          from: query.start_date,
          to: query.end_date,
        };
        const { items, total } = query.instance_id
          ? await databaseSizes(knex, { instanceId: query.instance_id, ...filters }, query)
          : await allDatabaseSizes(knex, filters, query);
        // allDatabaseSizes' rows are loosely typed; the e2e route test checks them against the schema.
        type Row = z.input<typeof databaseSizeSchema>;
        return { data: items.map(withDatabaseId) as Row[], meta: pageMeta(query, total) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/databases/:id/tables/sizes/actions/refresh',
      tag: 'capacity',
      summary:
        "Read one database's table sizes from its instance now and record them (TableSizesSaved); " +
        'the id is that of GET /databases/ledgers',
      access: { permission: 'update' },
      params: idParams,
      response: tableSizesSchema.extend({ errors: z.array(itemErrorSchema) }),
      handler: async ({ params, req, user }) => {
        const refreshed = await refreshTableSizes(params.id, commandContext(req, user));
        await projections.waitForPosition(refreshed.position);
        const snapshot = await databaseTableSizes(knex, params.id);
        if (!snapshot) throw notFound('database', params.id);
        return { data: { ...snapshot, errors: refreshed.errors }, message: 'table sizes refreshed' };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/databases/:id/tables/sizes',
      tag: 'capacity',
      summary: 'The latest table-size snapshot of one database, largest tables first',
      access: { permission: 'view' },
      params: idParams,
      response: tableSizesSchema,
      handler: async ({ params }) => {
        const snapshot = await databaseTableSizes(knex, params.id);
        if (!snapshot) throw notFound('database', params.id);
        return { data: snapshot };
      },
    }),
  ];
}
