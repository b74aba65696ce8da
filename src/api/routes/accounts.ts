// Account ledgers: the projected accounts with their permissions, an account's facts as they were at any
// moment (computed from the event log, not from the current table), its change history, statistics.
import { z } from 'zod';
import { capabilities, dbTypes } from '../../domain/engines/model.js';
import { riskLevels } from '../../domain/classification/events.js';
import { AppError, notFound } from '../../domain/errors.js';
import { endOfLocalDay, startOfLocalDay } from '../../domain/periods/zonedTime.js';
import {
  accountStatistics,
  allAccountLedgers,
  getAccount,
  listAccountLedgers,
  type AccountFilters,
} from '../../projections/accounts/queries.js';
import { accountChangeHistory } from '../../projections/accounts/changeHistory.js';
import { csvFile } from '../csv.js';
import { ledgerCsvCells, ledgerCsvColumns } from './accountLedgerCsv.js';
import type { ApiDeps } from '../deps.js';
import { pageMeta, pageOf, pagingQuery } from '../envelope.js';
import { pageTotals } from '../pageTotals.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import {
  accountChangeSchema,
  accountLedgerSchema,
  accountStatisticsSchema,
  permissionsAsOfSchema,
} from '../schemas/accounts.js';
import { booleanQuery, idParams, tagFilterQuery } from '../schemas/common.js';

const futureAsOf = (asOf: string, now: Date) =>
  new AppError('VALIDATION_ERROR', 'as_of is in the future', {
    fields: [
      {
        field: 'query.as_of',
        message: `${asOf} is after now (${now.toISOString()}): no facts of a moment to come are known`,
      },
    ],
  });

/**
 * The moment as_of names: an instant, or a plain date meaning the end of that day in the service's time
 * zone (today: now, the day is not over). A moment after now is refused.
 */
export function resolveAsOf(asOf: string | undefined, now: Date, timeZone: string): Date {
  if (asOf === undefined) return now;
  if (!asOf.includes('T')) {
    if (startOfLocalDay(asOf, timeZone) > now) throw futureAsOf(asOf, now);
    const end = endOfLocalDay(asOf, timeZone);
    return end > now ? now : end;
  }
  const at = new Date(asOf);
  if (at > now) throw futureAsOf(asOf, now);
  return at;
}

/** The ledger list's filters, shared by the export. */
const ledgerFilters = {
  instance_id: z.uuid().optional(),
  db_type: z.enum(dbTypes).optional(),
  locked: booleanQuery.optional(),
  superuser: booleanQuery.optional(),
  capability: z
    .enum(capabilities)
    .optional()
    .describe('holds this capability in its latest permission facts'),
  classification_id: z.uuid().optional().describe('holds this classification now'),
  risk_level: z
    .enum(riskLevels)
    .optional()
    .describe('holds a classification of this risk level or above now (high: high or critical)'),
  search: z.string().max(128).optional(),
  include_deleted: booleanQuery.optional(),
  tag: tagFilterQuery.describe(
    'tag names, comma-separated, any case: accounts on instances holding every one',
  ),
};
const filterSummary =
  'filters: instance_id, db_type, locked, superuser, capability, classification_id, risk_level (a floor), search, include_deleted, tag';

const filtersOf = (query: z.output<z.ZodObject<typeof ledgerFilters>>): AccountFilters => ({
  instanceId: query.instance_id,
  dbType: query.db_type,
  locked: query.locked,
  superuser: query.superuser,
  capability: query.capability,
  classificationId: query.classification_id,
  riskLevel: query.risk_level,
  search: query.search,
  includeDeleted: query.include_deleted,
  tag: query.tag,
});

/** More rows than this is refused, not cut: narrow the filters. */
export const MAX_EXPORT_ROWS = 100_000;

export function accountRoutes({ knex, queries, config, projections }: ApiDeps): RouteDefinition[] {
  const totals = pageTotals(projections);
  return [
    defineRoute({
      method: 'get',
      path: '/accounts/ledgers',
      tag: 'accounts',
      summary: `Accounts with their permission facts (${filterSummary})`,
      access: { permission: 'view' },
      query: pagingQuery.extend(ledgerFilters).strict(),
      response: accountLedgerSchema,
      paged: true,
      handler: ({ query }) => pageOf(query, listAccountLedgers(knex, filtersOf(query), query, totals)),
    }),
    defineRoute({
      method: 'get',
      path: '/accounts/ledgers/actions/export',
      tag: 'accounts',
      summary: `CSV export of the account ledgers, every page (same filters as the list); at most ${MAX_EXPORT_ROWS} rows`,
      access: { permission: 'view' },
      query: z.strictObject(ledgerFilters),
      response: z.string().describe('text/csv: one line per account, cells neutralised against formulas'),
      contentType: 'text/csv',
      handler: async ({ query }) => {
        const { total, items } = await allAccountLedgers(knex, filtersOf(query), MAX_EXPORT_ROWS);
        if (!items)
          throw new AppError(
            'VALIDATION_ERROR',
            `${total} accounts match: an export holds at most ${MAX_EXPORT_ROWS}`,
            {
              fields: [{ field: 'query', message: 'narrow the filters (instance_id, db_type, ...)' }],
              total,
              limit: MAX_EXPORT_ROWS,
            },
          );
        return {
          data: '',
          file: {
            contentType: 'text/csv; charset=utf-8',
            filename: 'account-ledgers.csv',
            body: csvFile(ledgerCsvColumns, items, ledgerCsvCells),
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/accounts/statistics',
      tag: 'accounts',
      summary: 'Counts of accounts: active, locked, superusers, by db_type and instance',
      access: { permission: 'view' },
      response: accountStatisticsSchema,
      handler: async () => ({ data: await accountStatistics(knex) }),
    }),
    defineRoute({
      method: 'get',
      path: '/accounts/ledgers/:id/permissions',
      tag: 'accounts',
      summary:
        "An account's permission facts now, or at as_of (an instant or a date), with when and by which session they were observed",
      access: { permission: 'view' },
      params: idParams,
      query: z.strictObject({
        as_of: z
          .union([z.iso.datetime({ offset: true }), z.iso.date()], {
            error: 'expected an ISO 8601 instant with an offset, or a date YYYY-MM-DD',
          })
          .optional(),
      }),
      response: permissionsAsOfSchema,
      handler: async ({ params, query }) => {
        const account = await getAccount(knex, params.id);
        if (!account) throw notFound('account', params.id);
        const { instance_id: instanceId, username } = account as unknown as {
          instance_id: string;
          username: string;
        };
        const asOf = resolveAsOf(query.as_of, new Date(), config.timezone);
        const ledger = await queries.accountLedgerAt(instanceId, asOf);
        const observed = ledger.observed.get(username);
        return {
          data: {
            account_id: params.id,
            username,
            as_of: asOf.toISOString(),
            existed: ledger.accounts.has(username),
            facts: ledger.facts.get(username) ?? null,
            observed_at: observed?.at ?? null,
            observed_by_session: observed?.sessionId ?? null,
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/accounts/ledgers/:id/change-history',
      tag: 'accounts',
      summary: "An account's change log, newest first",
      access: { permission: 'view' },
      params: idParams,
      query: pagingQuery.strict(),
      response: accountChangeSchema,
      paged: true,
      handler: async ({ params, query }) => {
        const history = await accountChangeHistory(knex, params.id, query);
        if (!history) throw notFound('account', params.id);
        return { data: history.items, meta: pageMeta(query, history.total) };
      },
    }),
  ];
}
