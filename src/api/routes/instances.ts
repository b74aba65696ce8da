// /instances, the reads: list, statistics, CSV export, get. The writes are in instanceWrites.ts.
import { z } from 'zod';
import { notFound } from '../../domain/errors.js';
import {
  allInstances,
  getInstanceRow,
  instanceStatistics,
  listInstances,
  withLastSync,
  withTags,
} from '../../projections/instances/queries.js';
import { csvFile } from '../csv.js';
import type { ApiDeps } from '../deps.js';
import { pageOf, pagingQuery } from '../envelope.js';
import { pageTotals } from '../pageTotals.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { idParams, tagFilterQuery } from '../schemas/common.js';
import { instanceFilters, instanceSchema } from '../schemas/instances.js';

const csvColumns = [
  'id',
  'name',
  'db_type',
  'host',
  'port',
  'database_name',
  'credential_id',
  'description',
  'is_active',
  'main_version',
  'connection_status',
  'last_connected',
  'created_at',
  'deleted_at',
  'tags',
] as const;

const listFilters = { ...instanceFilters, tag: tagFilterQuery };

const filtersOf = (query: z.output<z.ZodObject<typeof listFilters>>) => ({
  dbType: query.db_type,
  search: query.search,
  active: query.active,
  deleted: query.deleted,
  tag: query.tag,
});

/** An instance as the reads show it: with the tags it holds, by name, and its last account sync. */
const taggedInstanceSchema = instanceSchema.extend({
  last_synced_at: z
    .string()
    .nullable()
    .describe("when the instance's latest account sync record completed; null before one"),
  tags: z.array(
    z.object({
      id: z.uuid(),
      name: z.string(),
      display_name: z.string(),
      category: z.string(),
      color: z.string(),
      is_active: z.boolean(),
    }),
  ),
});

export function instanceRoutes({ knex, projections }: ApiDeps): RouteDefinition[] {
  const totals = pageTotals(projections);
  return [
    defineRoute({
      method: 'get',
      path: '/instances',
      tag: 'instances',
      summary:
        'List instances, each with its tags and last account sync (filters: db_type, search in name and host, active, deleted, tag)',
      access: { permission: 'view' },
      query: pagingQuery.extend(listFilters).strict(),
      response: taggedInstanceSchema,
      paged: true,
      handler: ({ query }) => pageOf(query, listInstances(knex, filtersOf(query), query, totals)),
    }),
    defineRoute({
      method: 'get',
      path: '/instances/statistics',
      tag: 'instances',
      summary:
        'Counts by db_type, state and connection status; servers counts each engine, host and port once',
      access: { permission: 'view' },
      response: z.object({
        total: z.number(),
        active: z.number(),
        inactive: z.number(),
        deleted: z.number(),
        servers: z.number(),
        by_db_type: z.record(z.string(), z.number()),
        servers_by_db_type: z.record(z.string(), z.number()),
        by_connection_status: z.record(z.string(), z.number()),
      }),
      handler: async () => ({ data: await instanceStatistics(knex) }),
    }),
    defineRoute({
      method: 'get',
      path: '/instances/actions/export',
      tag: 'instances',
      summary: 'CSV export of the instances (same filters as the list)',
      access: { permission: 'view' },
      query: z.strictObject(listFilters),
      response: z.string().describe('text/csv: one line per instance, cells neutralised against formulas'),
      contentType: 'text/csv',
      handler: async ({ query }) => {
        const rows = (await withTags(knex, await allInstances(knex, filtersOf(query)))).map((r) => ({
          ...r,
          tags: r.tags.map((t) => t.name).join(','),
        }));
        return {
          data: '',
          file: {
            contentType: 'text/csv; charset=utf-8',
            filename: 'instances.csv',
            body: csvFile(csvColumns, rows, (r) => csvColumns.map((h) => r[h])),
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/instances/:id',
      tag: 'instances',
      summary: 'Get an instance, with its tags and its last account sync',
      access: { permission: 'view' },
      params: idParams,
      response: taggedInstanceSchema,
      handler: async ({ params }) => {
        const row = await getInstanceRow(knex, params.id);
        if (!row) throw notFound('instance', params.id);
        const [data] = await withLastSync(knex, await withTags(knex, [row]));
        return { data: data! };
      },
    }),
  ];
}
