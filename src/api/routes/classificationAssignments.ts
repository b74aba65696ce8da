// Classification assignments (issue 12): the list, a manual assignment and the removal of one, the
// auto-classify run (a session, 202), and the classifications an account held at a moment.
import { z } from 'zod';
import { assignmentTypes } from '../../domain/classification/assignments.js';
import { notFound } from '../../domain/errors.js';
import { accountIdentity, listAssignments } from '../../projections/classification/queries.js';
import type { ApiDeps } from '../deps.js';
import { pageOf, pagingQuery } from '../envelope.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { commandContext } from '../commandContext.js';
import {
  accountClassificationsAsOfSchema,
  asOfQuery,
  assignmentBody,
  assignmentSchema,
} from '../schemas/classification.js';
import { idParams } from '../schemas/common.js';
import { resolveAsOf } from './accounts.js';
import { batchStartRoute } from './sessionStartRoutes.js';

const tag = 'classification-assignments';

export function classificationAssignmentRoutes(deps: ApiDeps): RouteDefinition[] {
  const { knex, projections, commands, queries, config } = deps;
  const assignment = async (id: string) => {
    const { items } = await listAssignments(knex, { id }, { page: 1, limit: 1 });
    if (!items[0]) throw notFound('assignment', id);
    return items[0] as z.input<typeof assignmentSchema>;
  };

  return [
    defineRoute({
      method: 'get',
      path: '/accounts/classifications/assignments',
      tag,
      summary:
        'Assignments that hold now (filters: classification_id, instance_id, account_id, assignment_type)',
      access: { permission: 'view' },
      query: pagingQuery
        .extend({
          classification_id: z.uuid().optional(),
          instance_id: z.uuid().optional(),
          account_id: z.uuid().optional(),
          assignment_type: z.enum(assignmentTypes).optional(),
        })
        .strict(),
      response: assignmentSchema,
      paged: true,
      handler: ({ query }) =>
        pageOf(
          query,
          listAssignments(
            knex,
            {
              classification_id: query.classification_id,
              instance_id: query.instance_id,
              account_id: query.account_id,
              assignment_type: query.assignment_type,
            },
            query,
          ) as Promise<{ total: number; items: z.input<typeof assignmentSchema>[] }>,
        ),
    }),
    defineRoute({
      method: 'post',
      path: '/accounts/classifications/assignments',
      tag,
      summary:
        "Assign a classification to an account by hand: 201 when new, 200 when it already held (the account must be in its instance's current inventory)",
      access: { permission: 'create' },
      status: 201,
      body: assignmentBody,
      response: assignmentSchema,
      handler: async ({ body, req, user }) => {
        const account = await accountIdentity(knex, body.account_id);
        if (!account) throw notFound('account', body.account_id);
        const outcome = await commands.assignClassification(
          {
            instanceId: account.instance_id,
            username: account.username,
            accountId: body.account_id,
            classificationId: body.classification_id,
          },
          commandContext(req, user),
        );
        if (outcome.position) await projections.waitForPosition(outcome.position);
        return {
          status: outcome.appended ? 201 : 200,
          data: await assignment(outcome.assignmentId),
          message: outcome.appended ? 'classification assigned' : 'the assignment already held',
        };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/accounts/classifications/assignments/:id',
      tag,
      summary:
        'Remove an assignment, manual or auto (an auto one comes back at the next run if the account still matches)',
      access: { permission: 'delete' },
      params: idParams,
      response: z.object({ id: z.uuid() }),
      handler: async ({ params, req, user }) => {
        const outcome = await commands.removeAssignment(params.id, commandContext(req, user));
        if (outcome.position) await projections.waitForPosition(outcome.position);
        return { data: { id: params.id }, message: 'assignment removed' };
      },
    }),
    batchStartRoute(deps, {
      tag,
      what: 'classification',
      path: '/accounts/classifications/actions/auto-classify',
      summary:
        'Classify the accounts of the listed instances, or of every active instance when instance_ids is omitted, by the active rules (a session: answers with its session_id)',
      run: commands.runClassification,
    }),
    defineRoute({
      method: 'get',
      path: '/accounts/ledgers/:id/classifications',
      tag,
      summary:
        'The classifications an account holds now, or held at as_of (an instant or a date), with the rule version and run that decided each, names as they were then',
      access: { permission: 'view' },
      params: idParams,
      query: z.strictObject({ as_of: asOfQuery }),
      response: accountClassificationsAsOfSchema,
      handler: async ({ params, query }) => {
        const asOf = resolveAsOf(query.as_of, new Date(), config.timezone);
        const held = await queries.classificationsAsOf(params.id, asOf);
        if (!held) throw notFound('account', params.id);
        return { data: held };
      },
    }),
  ];
}
