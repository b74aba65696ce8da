// /accounts/classifications (issue 12): list, create, get, change, delete classifications, and the accounts
// that held one at a moment. classificationRoutes mounts every classification route in the order Express
// needs: the fixed paths (/rules, /assignments, /actions/...) before /accounts/classifications/:id.
import { z } from 'zod';
import type { ClassificationChanges } from '../../domain/classification/classificationDecider.js';
import { notFound } from '../../domain/errors.js';
import type { Position } from '../../domain/events/envelope.js';
import { classificationById, listClassifications } from '../../projections/classification/queries.js';
import type { ApiDeps } from '../deps.js';
import { pageMeta, pagingQuery } from '../envelope.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { commandContext } from '../commandContext.js';
import {
  asOfQuery,
  classificationCreateBody,
  classificationSchema,
  classificationUpdateBody,
  memberAsOfSchema,
} from '../schemas/classification.js';
import { booleanQuery, idParams } from '../schemas/common.js';
import { resolveAsOf } from './accounts.js';
import { classificationAssignmentRoutes } from './classificationAssignments.js';
import { classificationRuleCrudRoutes } from './classificationRulesCrud.js';
import { classificationStatisticsRoutes } from './classificationStatistics.js';

const tag = 'classifications';

const changesOf = (b: z.output<typeof classificationUpdateBody>): ClassificationChanges => ({
  ...(b.name !== undefined ? { name: b.name } : {}),
  ...(b.description !== undefined ? { description: b.description } : {}),
  ...(b.risk_level !== undefined ? { riskLevel: b.risk_level } : {}),
  ...(b.color !== undefined ? { color: b.color } : {}),
  ...(b.priority !== undefined ? { priority: b.priority } : {}),
  ...(b.is_active !== undefined ? { isActive: b.is_active } : {}),
});

/** Every classification route, the fixed paths first (a uuid :id never matches them, but Express tries in order). */
export function classificationRoutes(deps: ApiDeps): RouteDefinition[] {
  return [
    ...classificationRuleCrudRoutes(deps),
    ...classificationAssignmentRoutes(deps),
    ...classificationStatisticsRoutes(deps),
    ...classificationCrudRoutes(deps),
  ];
}

function classificationCrudRoutes({
  knex,
  projections,
  commands,
  queries,
  config,
}: ApiDeps): RouteDefinition[] {
  /** The classification as the read tables show it once they have the write's events. */
  const fresh = async (id: string, position: Position | null) => {
    if (position) await projections.waitForPosition(position);
    const row = await classificationById(knex, id);
    if (!row) throw notFound('classification', id);
    return row;
  };

  return [
    defineRoute({
      method: 'get',
      path: '/accounts/classifications',
      tag,
      summary:
        'Classifications, highest priority first, with their active rules and accounts (include_inactive: the deactivated too)',
      access: { permission: 'view' },
      query: z.strictObject({ include_inactive: booleanQuery.optional() }),
      response: z.array(classificationSchema),
      handler: async ({ query }) => ({
        data: await listClassifications(knex, { include_inactive: query.include_inactive }),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/accounts/classifications',
      tag,
      summary: 'Create a classification (NAME_EXISTS when another has the name, compared case-insensitively)',
      access: { permission: 'create' },
      status: 201,
      body: classificationCreateBody,
      response: classificationSchema,
      handler: async ({ body, req, user }) => {
        const { id, position } = await commands.createClassification(
          {
            name: body.name,
            description: body.description,
            riskLevel: body.risk_level,
            color: body.color,
            priority: body.priority,
          },
          commandContext(req, user),
        );
        return { data: await fresh(id, position), message: 'classification created' };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/accounts/classifications/:id',
      tag,
      summary: 'A classification (active or not)',
      access: { permission: 'view' },
      params: idParams,
      response: classificationSchema,
      handler: async ({ params }) => ({ data: await fresh(params.id, null) }),
    }),
    defineRoute({
      method: 'put',
      path: '/accounts/classifications/:id',
      tag,
      summary:
        'Change a classification: only the fields sent (SYSTEM_CLASSIFICATION: a system one cannot be renamed)',
      access: { permission: 'update' },
      params: idParams,
      body: classificationUpdateBody,
      response: classificationSchema,
      handler: async ({ params, body, req, user }) => {
        const { position } = await commands.updateClassification(
          { classificationId: params.id, changes: changesOf(body) },
          commandContext(req, user),
        );
        return { data: await fresh(params.id, position), message: 'classification updated' };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/accounts/classifications/:id',
      tag,
      summary:
        'Delete a classification (CLASSIFICATION_IN_USE while active rules or assignments use it; SYSTEM_CLASSIFICATION for a system one)',
      access: { permission: 'delete' },
      params: idParams,
      response: z.object({ id: z.uuid() }),
      handler: async ({ params, req, user }) => {
        const { position } = await commands.deleteClassification(
          { classificationId: params.id },
          commandContext(req, user),
        );
        await projections.waitForPosition(position);
        return { data: { id: params.id }, message: 'classification deleted' };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/accounts/classifications/:id/members',
      tag,
      summary:
        'The accounts that held a classification now, or at as_of (an instant or a date), each with the assignments (rule version, run) that gave it',
      access: { permission: 'view' },
      params: idParams,
      query: pagingQuery.extend({ as_of: asOfQuery }).strict(),
      response: memberAsOfSchema,
      paged: true,
      handler: async ({ params, query }) => {
        const asOf = resolveAsOf(query.as_of, new Date(), config.timezone);
        const members = await queries.classificationMembersAsOf(params.id, asOf, query);
        if (!members.classification && !(await classificationById(knex, params.id)))
          throw notFound('classification', params.id);
        return {
          data: members.items,
          meta: pageMeta(query, members.total),
          message: `members as of ${members.as_of}`,
        };
      },
    }),
  ];
}
