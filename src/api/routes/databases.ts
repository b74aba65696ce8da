// The databases' sizes: the database ledgers (each database's id and latest size) and daily sizes, and the
// table sizes of one database, addressed by the database id the ledgers show (refreshed by the
// refreshTableSizes command, which reads them live from the instance).
import { z } from 'zod';
import { notFound } from '../../domain/errors.js';
import {
  getDatabaseRow,
  databaseSizes,
  databaseTableSizes,
  listDatabaseLedgers,
  withDatabaseId,
} from '../../projections/capacity/queries.js';
import type { ApiDeps } from '../deps.js';
import { pageMeta, pagingQuery } from '../envelope.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { commandContext } from '../commandContext.js';
import { booleanQuery, idParams, tagFilterQuery } from '../schemas/common.js';
import {
  databaseLedgerSchema,
  databaseSizeSchema,
  dateInput as day,
  itemErrorSchema,
  tableSizesSchema,
} from '../schemas/capacity.js';

export function databaseRoutes({ knex, projections, commands }: ApiDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/databases/ledgers',
      tag: 'capacity',
      summary:
        "The database inventory: each database's id and latest size (filters: instance_id, search, active, tag)",
      access: { permission: 'view' },
      query: pagingQuery
        .extend({
          instance_id: z.uuid().optional(),
          search: z.string().max(128).optional(),
          active: booleanQuery.optional(),
          tag: tagFilterQuery,
        })
        .strict(),
      response: databaseLedgerSchema,
      paged: true,
      handler: async ({ query }) => {
        const { items, total } = await listDatabaseLedgers(
          knex,
          {
            instanceId: query.instance_id,
            search: query.search,
            active: query.active,
            tag: query.tag,
          },
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
        const { items, total } = await databaseSizes(
          knex,
          { instanceId: query.instance_id, ...filters },
          query,
        );
        return { data: items.map(withDatabaseId), meta: pageMeta(query, total) };
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
        const database = await getDatabaseRow(knex, params.id);
        if (!database) throw notFound('database', params.id);
        const refreshed = await commands.refreshTableSizes(
          { databaseId: params.id, instanceId: database.instance_id, databaseName: database.database_name },
          commandContext(req, user),
        );
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
