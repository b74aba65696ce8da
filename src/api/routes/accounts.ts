// Account ledgers: the projected accounts with their permissions, an account's facts as they were at any
// moment (computed from the event log, not from the current table), its change history, statistics.
import { z } from 'zod';
import { toLedgerEvents } from '../../commands/sync/syncInstanceAccounts.js';
import { accountsStream } from '../../domain/accounts/events.js';
import { foldLedger } from '../../domain/accounts/ledger.js';
import { dbTypes } from '../../domain/engines/model.js';
import { notFound } from '../../domain/errors.js';
import {
  accountChangeHistory,
  accountStatistics,
  getAccount,
  listAccountLedgers,
} from '../../projections/accounts/queries.js';
import type { ApiDeps } from '../deps.js';
import { pageMeta, pagingQuery } from '../envelope.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import {
  accountChangeSchema,
  accountLedgerSchema,
  accountStatisticsSchema,
  permissionsAsOfSchema,
} from './accountSchemas.js';
import { idParams } from './schemas.js';

const booleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

export function accountRoutes({ knex, store }: ApiDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/accounts/ledgers',
      tag: 'accounts',
      summary:
        'Accounts with their permission facts (filters: instance_id, db_type, locked, superuser, search)',
      access: { permission: 'view' },
      query: pagingQuery
        .extend({
          instance_id: z.uuid().optional(),
          db_type: z.enum(dbTypes).optional(),
          locked: booleanQuery.optional(),
          superuser: booleanQuery.optional(),
          search: z.string().max(128).optional(),
          include_deleted: booleanQuery.optional(),
        })
        .strict(),
      response: accountLedgerSchema,
      paged: true,
      handler: async ({ query }) => {
        const { items, total } = await listAccountLedgers(
          knex,
          {
            instanceId: query.instance_id,
            dbType: query.db_type,
            locked: query.locked,
            superuser: query.superuser,
            search: query.search,
            includeDeleted: query.include_deleted,
          },
          query,
        );
        return { data: items, meta: pageMeta(query, total) };
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
      summary: "An account's permission facts now, or as they were at as_of (folded from the event log)",
      access: { permission: 'view' },
      params: idParams,
      query: z.strictObject({ as_of: z.iso.datetime({ offset: true }).optional() }),
      response: permissionsAsOfSchema,
      handler: async ({ params, query }) => {
        const account = await getAccount(knex, params.id);
        if (!account) throw notFound('account', params.id);
        const { instance_id: instanceId, username } = account as unknown as {
          instance_id: string;
          username: string;
        };
        const asOf = query.as_of ? new Date(query.as_of) : new Date();
        const ledger = foldLedger(toLedgerEvents(await store.readStream(accountsStream(instanceId))), asOf);
        return {
          data: {
            account_id: params.id,
            username,
            as_of: asOf.toISOString(),
            existed: ledger.accounts.has(username),
            facts: ledger.facts.get(username) ?? null,
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
