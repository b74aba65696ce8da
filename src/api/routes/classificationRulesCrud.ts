// /accounts/classifications/rules (issue 12): list, create, get, change, delete classification rules, and a
// rule's versions (each change of the expression is a new one). Checking and evaluating an expression
// without storing it is in classificationRules.ts.
import { z } from 'zod';
import type { RuleChanges } from '../../commands/classification/rules.js';
import { dbTypes } from '../../domain/engines/model.js';
import { notFound } from '../../domain/errors.js';
import type { Position } from '../../domain/events/envelope.js';
import { listRules, ruleById, ruleVersions } from '../../projections/classification/queries.js';
import type { ApiDeps } from '../deps.js';
import { pageOf, pagingQuery } from '../envelope.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { commandContext } from '../commandContext.js';
import { ruleCreateBody, ruleSchema, ruleUpdateBody, ruleVersionSchema } from '../schemas/classification.js';
import { booleanQuery, idParams } from '../schemas/common.js';

const tag = 'classification-rules';

const changesOf = (b: z.output<typeof ruleUpdateBody>): RuleChanges => ({
  ...(b.rule_name !== undefined ? { ruleName: b.rule_name } : {}),
  ...(b.expression !== undefined ? { expression: b.expression } : {}),
  ...(b.is_active !== undefined ? { isActive: b.is_active } : {}),
});

export function classificationRuleCrudRoutes({ knex, projections, commands }: ApiDeps): RouteDefinition[] {
  /** The rule as the read tables show it once they have the write's events. */
  const fresh = async (id: string, position: Position | null) => {
    if (position) await projections.waitForPosition(position);
    const row = await ruleById(knex, id);
    if (!row) throw notFound('rule', id);
    return row as z.input<typeof ruleSchema>;
  };

  return [
    defineRoute({
      method: 'get',
      path: '/accounts/classifications/rules',
      tag,
      summary: 'Rules by classification, db type and name (filters: classification_id, db_type, is_active)',
      access: { permission: 'view' },
      query: pagingQuery
        .extend({
          classification_id: z.uuid().optional(),
          db_type: z.enum(dbTypes).optional(),
          is_active: booleanQuery.optional(),
        })
        .strict(),
      response: ruleSchema,
      paged: true,
      handler: ({ query }) =>
        pageOf(
          query,
          listRules(
            knex,
            {
              classification_id: query.classification_id,
              db_type: query.db_type,
              is_active: query.is_active,
            },
            query,
          ) as Promise<{ total: number; items: z.input<typeof ruleSchema>[] }>,
        ),
    }),
    defineRoute({
      method: 'post',
      path: '/accounts/classifications/rules',
      tag,
      summary:
        'Create a rule, version 1 (DSL_V4_REQUIRED / INVALID_DSL_EXPRESSION for a bad expression, EXPRESSION_DUPLICATED for one the classification has for this db type)',
      access: { permission: 'create' },
      status: 201,
      body: ruleCreateBody,
      response: ruleSchema,
      handler: async ({ body, req, user }) => {
        const { id, position } = await commands.createRule(
          {
            classificationId: body.classification_id,
            dbType: body.db_type,
            ruleName: body.rule_name,
            expression: body.expression,
          },
          commandContext(req, user),
        );
        return { data: await fresh(id, position), message: 'rule created' };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/accounts/classifications/rules/:id',
      tag,
      summary: 'A rule at its current version',
      access: { permission: 'view' },
      params: idParams,
      response: ruleSchema,
      handler: async ({ params }) => ({ data: await fresh(params.id, null) }),
    }),
    defineRoute({
      method: 'put',
      path: '/accounts/classifications/rules/:id',
      tag,
      summary:
        'Change a rule: only the fields sent; a new expression is the next version, the same one (canonically) changes nothing',
      access: { permission: 'update' },
      params: idParams,
      body: ruleUpdateBody,
      response: ruleSchema,
      handler: async ({ params, body, req, user }) => {
        const { position } = await commands.updateRule(
          { ruleId: params.id, changes: changesOf(body) },
          commandContext(req, user),
        );
        return { data: await fresh(params.id, position), message: 'rule updated' };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/accounts/classifications/rules/:id',
      tag,
      summary: 'Delete a rule (its versions stay readable)',
      access: { permission: 'delete' },
      params: idParams,
      response: z.object({ id: z.uuid() }),
      handler: async ({ params, req, user }) => {
        const { position } = await commands.deleteRule({ ruleId: params.id }, commandContext(req, user));
        await projections.waitForPosition(position);
        return { data: { id: params.id }, message: 'rule deleted' };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/accounts/classifications/rules/:id/versions',
      tag,
      summary: "A rule's versions, newest first, each with who wrote it and its event (a deleted rule's too)",
      access: { permission: 'view' },
      params: idParams,
      response: z.array(ruleVersionSchema),
      handler: async ({ params }) => {
        const versions = await ruleVersions(knex, params.id);
        if (!versions) throw notFound('rule', params.id);
        return { data: versions as z.input<typeof ruleVersionSchema>[] };
      },
    }),
  ];
}
