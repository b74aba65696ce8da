// /accounts/statistics/... (issue 12): classification figures over the assignments that hold now (summary,
// by db type, per classification, rule hits) and the trend over periods from the daily statistics. The
// account counts of /accounts/statistics itself are in accounts.ts.
import { z } from 'zod';
import { localDate } from '../../domain/periods/periods.js';
import {
  classificationStatistics,
  classificationStatisticsByDbType,
  classificationSummary,
  classificationTrend,
  ruleStatistics,
} from '../../projections/classification/queries.js';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import {
  classificationFiguresSchema,
  dbTypeFiguresSchema,
  ruleFiguresSchema,
  summarySchema,
  trendQuery,
  trendSchema,
} from '../schemas/classification.js';

const tag = 'classification-statistics';

export function classificationStatisticsRoutes({ knex, config }: ApiDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/accounts/statistics/summary',
      tag,
      summary:
        "Accounts in the inventory, accounts classified, distinct accounts per risk level, and every classification's figures",
      access: { permission: 'view' },
      response: summarySchema,
      handler: async () => ({ data: await classificationSummary(knex) }),
    }),
    defineRoute({
      method: 'get',
      path: '/accounts/statistics/db-types',
      tag,
      summary: 'Per db type: classified accounts, assignments, distinct accounts per risk level',
      access: { permission: 'view' },
      response: z.array(dbTypeFiguresSchema),
      handler: async () => ({ data: await classificationStatisticsByDbType(knex) }),
    }),
    defineRoute({
      method: 'get',
      path: '/accounts/statistics/classifications',
      tag,
      summary: 'Per classification: accounts, assignments (auto, manual), active rules',
      access: { permission: 'view' },
      response: z.array(classificationFiguresSchema),
      handler: async () => ({ data: await classificationStatistics(knex) }),
    }),
    defineRoute({
      method: 'get',
      path: '/accounts/statistics/rules',
      tag,
      summary: 'Per rule: the auto assignments it decided that hold now (hits), most first',
      access: { permission: 'view' },
      response: z.array(ruleFiguresSchema),
      handler: async () => ({
        data: (await ruleStatistics(knex)) as z.input<typeof ruleFiguresSchema>[],
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/accounts/statistics/classifications/trend',
      tag,
      summary:
        'Per classification and period (period_type, default daily), the accounts and assignments on its last day, from start_date to end_date (default today)',
      access: { permission: 'view' },
      query: trendQuery,
      response: trendSchema,
      handler: async ({ query }) => ({
        data: await classificationTrend(knex, {
          period_type: query.period_type,
          classification_id: query.classification_id,
          start_date: query.start_date,
          end_date: query.end_date ?? localDate(new Date(), config.timezone),
        }),
      }),
    }),
  ];
}
