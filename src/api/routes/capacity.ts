// Capacity: start capacity collections (202 + session_id, the session runs on), compute aggregations for
// a period, read the aggregations and their summaries, the database ledgers and daily sizes, and table
// sizes of one database (read live from the instance, recorded as TableSizesSaved).
// Table sizes are addressed as /instances/:id/databases/:name/... because the inventory is keyed by
// (instance_id, database_name): there is no database id.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { createEngineAdapter } from '../../adapters/engines/index.js';
import { EngineError, scrubSecrets } from '../../adapters/engines/port.js';
import { makeAggregate, type AggregationOutcome } from '../../commands/aggregate.js';
import { makeRunCapacityCollection } from '../../commands/sync/collectCapacity.js';
import { instanceConnectionParams } from '../../commands/testConnections.js';
import { capacityStream } from '../../domain/capacity/events.js';
import { dbTypes } from '../../domain/engines/model.js';
import { AppError, notFound } from '../../domain/errors.js';
import { periodTypes, type PeriodType } from '../../domain/periods/periods.js';
import { databaseSizes, latestTableSizes, listDatabaseLedgers } from '../../projections/capacity/queries.js';
import { getInstanceRow } from '../../projections/instances/queries.js';
import type { ApiDeps } from '../deps.js';
import { pageMeta, pagingQuery } from '../envelope.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { commandContext } from './commandContext.js';
import { idParams } from './schemas.js';

const sessionStarted = z.object({ session_id: z.uuid() });
const loose = z.record(z.string(), z.unknown());
const day = z.iso.date({ error: 'expected a date as YYYY-MM-DD' });
const booleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');
const dbParams = z.strictObject({
  id: z.uuid({ error: 'expected a UUID' }),
  name: z.string().min(1).max(256),
});

const periodSchema = z.object({
  type: z.enum(periodTypes),
  start: z.string(),
  end: z.string(),
  end_exclusive: z.string(),
});
const aggregationResult = z.object({
  session_id: z.uuid(),
  period: periodSchema,
  partial: z.boolean(),
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
  partial: o.partial,
  included: o.included,
  missing: o.missing,
});

const num = (v: string | number | null | undefined): number | null =>
  v === null || v === undefined ? null : Number(v);

const aggregationFilters = pagingQuery.extend({
  instance_id: z.uuid().optional(),
  db_type: z.enum(dbTypes).optional(),
  period_type: z.enum(periodTypes).optional(),
  start_date: day.optional(),
  end_date: day.optional(),
});
type AggregationFilters = z.output<typeof aggregationFilters> & { database?: string | undefined };

/** The aggregation rows (instance or database) matching the filters, with the instance's name and type. */
function filteredAggregations(knex: Knex, table: string, f: AggregationFilters) {
  const q = knex({ a: table }).join({ i: 'instances' }, 'i.id', 'a.instance_id');
  if (f.instance_id) q.where('a.instance_id', f.instance_id);
  if (f.db_type) q.where('i.db_type', f.db_type);
  if (f.period_type) q.where('a.period_type', f.period_type);
  if (f.start_date) q.where('a.period_start', '>=', f.start_date);
  if (f.end_date) q.where('a.period_start', '<=', f.end_date);
  if (f.database) q.where('a.database_name', f.database);
  return q;
}

const numericColumns = new Set([
  'avg_size_mb',
  'max_size_mb',
  'min_size_mb',
  'avg_data_size_mb',
  'max_data_size_mb',
  'min_data_size_mb',
  'avg_log_size_mb',
  'max_log_size_mb',
  'min_log_size_mb',
  'size_change_mb',
  'size_change_percent',
  'growth_rate',
  'avg_total_size_mb',
  'max_total_size_mb',
  'min_total_size_mb',
  'avg_database_count',
  'total_size_change_mb',
  'total_size_change_percent',
  'database_count_change',
]);

/** pg numeric comes back as text: numbers; dates as text; timestamps as ISO strings. */
const rowToApi = (row: Record<string, unknown>) => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (numericColumns.has(k)) out[k] = num(v as string | null);
    else if (v instanceof Date) out[k] = v.toISOString();
    else out[k] = v;
  }
  return out;
};

async function listAggregations(knex: Knex, table: string, f: AggregationFilters) {
  const base = filteredAggregations(knex, table, f);
  const [{ total }] = (await base.clone().count({ total: '*' })) as [{ total: string }];
  const order = [
    { column: 'a.period_start', order: 'desc' },
    { column: 'a.period_type', order: 'asc' },
    { column: 'a.instance_id', order: 'asc' },
    ...(table === 'database_size_aggregations' ? [{ column: 'a.database_name', order: 'asc' }] : []),
  ];
  const rows: Record<string, unknown>[] = await base
    .orderBy(order)
    .limit(f.limit)
    .offset((f.page - 1) * f.limit)
    .select(
      'a.*',
      knex.raw('a.period_start::text AS period_start'),
      knex.raw('a.period_end::text AS period_end'),
      'i.name AS instance_name',
      'i.db_type',
    );
  return { total: Number(total), items: rows.map(rowToApi) };
}

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

/** Totals over the latest period of the type that has rows (after the filters). */
async function aggregationSummary(
  knex: Knex,
  table: string,
  sizeColumn: string,
  changeColumn: string,
  f: AggregationFilters & { period_type: PeriodType },
): Promise<z.input<typeof summarySchema>> {
  const latest = (await filteredAggregations(knex, table, f)
    .max({ start: knex.raw('a.period_start::text') })
    .first()) as { start: string | null } | undefined;
  const empty = {
    period_type: f.period_type,
    period_start: null,
    period_end: null,
    count: 0,
    total_avg_size_mb: 0,
    average_avg_size_mb: null,
    total_size_change_mb: null,
    growth_percent: null,
    partial: false,
  };
  if (!latest?.start) return empty;
  const row: {
    count: number;
    period_end: string | null;
    total: string;
    average: string | null;
    change: string | null;
    partial: boolean | null;
  } = await filteredAggregations(knex, table, f)
    .where('a.period_start', latest.start)
    .first(
      knex.raw('count(*)::int AS count'),
      knex.raw('max(a.period_end)::text AS period_end'),
      knex.raw(`coalesce(sum(a.${sizeColumn}), 0)::text AS total`),
      knex.raw(`avg(a.${sizeColumn})::text AS average`),
      knex.raw(`sum(a.${changeColumn})::text AS change`),
      knex.raw('bool_or(a.is_partial) AS partial'),
    );
  const total = Number(row.total);
  const change = num(row.change);
  const previous = change === null ? null : total - change;
  return {
    ...empty,
    period_start: latest.start,
    period_end: row.period_end,
    count: row.count,
    total_avg_size_mb: Math.round(total * 1000) / 1000,
    average_avg_size_mb: row.average === null ? null : Math.round(Number(row.average) * 1000) / 1000,
    total_size_change_mb: change,
    growth_percent: change === null || !previous ? null : Math.round((change / previous) * 100_000) / 1000,
    partial: row.partial ?? false,
  };
}

/** databaseSizes without an instance filter: every instance's daily sizes, newest day first. */
async function allDatabaseSizes(
  knex: Knex,
  f: { databaseName?: string | undefined; from?: string | undefined; to?: string | undefined },
  paging: { page: number; limit: number },
) {
  const q = knex('database_size_stats');
  if (f.databaseName) q.where('database_name', f.databaseName);
  if (f.from) q.where('collected_date', '>=', f.from);
  if (f.to) q.where('collected_date', '<=', f.to);
  const [{ total }] = (await q.clone().count({ total: '*' })) as [{ total: string }];
  const rows: Record<string, unknown>[] = await q
    .orderBy([
      { column: 'collected_date', order: 'desc' },
      { column: 'instance_id', order: 'asc' },
      { column: 'database_name', order: 'asc' },
    ])
    .limit(paging.limit)
    .offset((paging.page - 1) * paging.limit)
    .select(
      'instance_id',
      'database_name',
      'size_mb',
      'data_size_mb',
      'log_size_mb',
      knex.raw('collected_date::text AS collected_date'),
      'collected_at',
    );
  return {
    total: Number(total),
    items: rows.map((r) => ({
      ...r,
      size_mb: Number(r.size_mb),
      data_size_mb: num(r.data_size_mb as string | null),
      log_size_mb: num(r.log_size_mb as string | null),
      collected_at: (r.collected_at as Date).toISOString(),
    })),
  };
}

export function capacityRoutes(deps: ApiDeps): RouteDefinition[] {
  const { knex, store, projections, tasks, logger, config } = deps;
  const runCollection = makeRunCapacityCollection(
    {
      knex,
      pool: deps.pool,
      store,
      keyring: deps.secrets.keyring,
      reloadKeyring: deps.secrets.reload,
      logger,
    },
    config.timezone,
  );
  const aggregate = makeAggregate({ knex, store });

  const startCollection = async (
    target: Parameters<typeof runCollection>[0],
    syncType: 'manual_single' | 'manual_batch',
    ctx: ReturnType<typeof commandContext>,
  ) => {
    const started = await runCollection(target, syncType, ctx, {
      concurrency: config.sync.concurrency,
      deadlineMs: config.sync.instanceDeadlineMs,
    });
    tasks.track(started.done, (err) =>
      logger.error({ err, sessionId: started.sessionId }, 'capacity session failed'),
    );
    if (started.position) await projections.waitForPosition(started.position);
    return { status: 202, data: { session_id: started.sessionId }, message: 'capacity collection started' };
  };

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
    defineRoute({
      method: 'post',
      path: '/instances/:id/actions/sync-capacity',
      tag: 'capacity',
      summary: "Collect one instance's database inventory and sizes (answers with the session_id)",
      access: { permission: 'update' },
      params: idParams,
      status: 202,
      response: sessionStarted,
      handler: ({ params, req, user }) =>
        startCollection({ instanceIds: [params.id] }, 'manual_single', commandContext(req, user)),
    }),
    defineRoute({
      method: 'post',
      path: '/capacity/actions/collect',
      tag: 'capacity',
      summary:
        'Collect capacity of the listed instances, or of every active instance when instance_ids is omitted',
      access: { permission: 'update' },
      body: z.strictObject({ instance_ids: z.array(z.uuid()).min(1).max(1000).optional() }),
      status: 202,
      response: sessionStarted,
      handler: ({ body, req, user }) =>
        startCollection(
          body.instance_ids ? { instanceIds: [...new Set(body.instance_ids)] } : 'all-active',
          'manual_batch',
          commandContext(req, user),
        ),
    }),
    defineRoute({
      method: 'post',
      path: '/capacity/aggregations',
      tag: 'capacity',
      summary: 'Aggregate one period (default: the last completed period of the type)',
      access: { permission: 'update' },
      body: z.strictObject({ period_type: z.enum(periodTypes), period_start: day.optional() }),
      response: aggregationResult,
      handler: async ({ body, req, user }) => {
        const outcome = await aggregate(
          { periodType: body.period_type, periodStart: body.period_start, timeZone: config.timezone },
          commandContext(req, user),
        );
        await projections.waitForPosition(outcome.position);
        return { data: toApi(outcome), message: 'aggregation computed' };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/capacity/aggregations/current',
      tag: 'capacity',
      summary: 'Aggregate the periods still running (partial), for the given types or all four',
      access: { permission: 'update' },
      body: z.strictObject({ period_types: z.array(z.enum(periodTypes)).min(1).max(4).optional() }),
      response: z.object({ session_ids: z.array(z.uuid()), aggregations: z.array(aggregationResult) }),
      handler: async ({ body, req, user }) => {
        const ctx = commandContext(req, user);
        const outcomes: AggregationOutcome[] = [];
        for (const periodType of [...new Set(body.period_types ?? periodTypes)])
          outcomes.push(await aggregate({ periodType, current: true, timeZone: config.timezone }, ctx));
        const last = outcomes.at(-1);
        if (last) await projections.waitForPosition(last.position);
        return {
          data: { session_ids: outcomes.map((o) => o.sessionId), aggregations: outcomes.map(toApi) },
          message: 'current periods aggregated',
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
      response: loose,
      paged: true,
      handler: async ({ query }) => {
        const { items, total } = await listAggregations(knex, 'instance_size_aggregations', query);
        return { data: items, meta: pageMeta(query, total) };
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
      response: loose,
      paged: true,
      handler: async ({ query }) => {
        const { items, total } = await listAggregations(knex, 'database_size_aggregations', query);
        return { data: items, meta: pageMeta(query, total) };
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
      summary: 'The database inventory with each database latest size (filters: instance_id, search, active)',
      access: { permission: 'view' },
      query: pagingQuery
        .extend({
          instance_id: z.uuid().optional(),
          search: z.string().max(128).optional(),
          active: booleanQuery.optional(),
        })
        .strict(),
      response: loose,
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
      summary: 'Daily database sizes, newest first (filters: instance_id, database, start_date, end_date)',
      access: { permission: 'view' },
      query: pagingQuery
        .extend({
          instance_id: z.uuid().optional(),
          database: z.string().min(1).max(256).optional(),
          start_date: day.optional(),
          end_date: day.optional(),
        })
        .strict(),
      response: loose,
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
        return { data: items, meta: pageMeta(query, total) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/instances/:id/databases/:name/tables/sizes/actions/refresh',
      tag: 'capacity',
      summary: "Read one database's table sizes from the instance now and record them (TableSizesSaved)",
      access: { permission: 'update' },
      params: dbParams,
      response: z.object({ errors: z.array(loose), tables: z.array(loose) }),
      handler: async ({ params, req, user }) => {
        const row = await getInstanceRow(knex, params.id);
        if (!row || row.deleted_at) throw notFound('instance', params.id);
        const connection = await instanceConnectionParams(
          { knex, keyring: deps.secrets.keyring, reloadKeyring: deps.secrets.reload },
          row,
        );
        const adapter = createEngineAdapter(connection);
        let collected;
        try {
          collected = await adapter.tableSizes(params.name);
        } catch (err) {
          const text = scrubSecrets(err instanceof Error ? err.message : String(err), [connection.password]);
          throw new AppError(err instanceof EngineError ? err.code : 'DATABASE_QUERY_ERROR', text);
        } finally {
          await adapter.close().catch(() => undefined);
        }
        const ctx = commandContext(req, user);
        const { position } = await store.append(
          capacityStream(params.id),
          [
            {
              eventId: randomUUID(),
              type: 'TableSizesSaved',
              schemaVersion: 1,
              data: {
                instanceId: params.id,
                databaseName: params.name,
                collectedAt: ctx.now.toISOString(),
                tables: collected.items.map((t) => ({
                  schemaName: t.schemaName,
                  tableName: t.tableName,
                  sizeMb: t.sizeMb,
                  dataSizeMb: t.dataSizeMb,
                  indexSizeMb: t.indexSizeMb,
                  rowCount: t.rowCount,
                })),
              },
              metadata: {
                correlationId: ctx.correlationId,
                causationId: null,
                actor: ctx.actor,
                occurredAt: ctx.now.toISOString(),
                instanceId: params.id,
              },
            },
          ],
          { expectedRevision: 'any' },
        );
        await projections.waitForPosition(position);
        return {
          data: {
            errors: collected.errors.map((e) => ({ ...e })),
            tables: await latestTableSizes(knex, params.id, params.name),
          },
          message: 'table sizes refreshed',
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/instances/:id/databases/:name/tables/sizes',
      tag: 'capacity',
      summary: 'The latest table-size snapshot of one database, largest tables first',
      access: { permission: 'view' },
      params: dbParams,
      response: z.array(loose),
      handler: async ({ params }) => ({ data: await latestTableSizes(knex, params.id, params.name) }),
    }),
  ];
}
