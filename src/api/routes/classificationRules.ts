// The rule editor's routes: check an expression as a write would (validate-expression), try it on facts
// or on accounts' latest facts (evaluate: nothing is stored), and the names an engine offers
// (permissions/{db_type}). POSTs that store nothing: every logged-in user ('view'), CSRF on cookie sessions
// as for every POST. A malformed expression is an answer here (200, valid: false, every problem), not
// a refusal: the refusal (400 DSL_V4_REQUIRED / INVALID_DSL_EXPRESSION) is the rule write's.
import { canonicalExpression } from '../../domain/classification/canonical.js';
import { evaluate, validate, type Validation } from '../../domain/classification/dsl.js';
import { permissionCatalog } from '../../domain/classification/permissionCatalog.js';
import { factsOfAccounts } from '../../projections/accounts/queries.js';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import {
  completeFacts,
  dbTypeParams,
  evaluateBody,
  evaluateSchema,
  permissionCatalogSchema,
  validateExpressionBody,
  validateExpressionSchema,
  type evaluationItemSchema,
} from '../schemas/classificationRules.js';
import type { z } from 'zod';

type Item = z.input<typeof evaluationItemSchema>;

const validationOf = (v: Validation) =>
  v.ok ? { valid: true, code: null, problems: [] } : { valid: false, code: v.code, problems: v.problems };

const summaryOf = (items: Item[]) => ({
  total: items.length,
  matched: items.filter((i) => i.matched).length,
  with_errors: items.filter((i) => i.errors.length > 0).length,
});

export function classificationRuleRoutes({ knex }: ApiDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/accounts/classifications/rules/actions/validate-expression',
      idempotency: 'read',
      tag: 'classifications',
      summary:
        'Check a rule expression as a write would: valid, or the code a write would be refused with and one problem per bad node',
      access: { permission: 'view' },
      body: validateExpressionBody,
      response: validateExpressionSchema,
      handler: ({ body }) => {
        const v = validate(body.expression);
        return Promise.resolve({
          data: {
            ...validationOf(v),
            expression: v.ok ? body.expression : null,
            canonical: v.ok ? (JSON.parse(canonicalExpression(body.expression)) as unknown) : null,
          },
          message: v.ok ? 'valid' : 'invalid expression',
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/accounts/classifications/rules/actions/evaluate',
      idempotency: 'read',
      tag: 'classifications',
      summary:
        "Evaluate an expression on permission facts or on accounts' latest facts, without storing anything: matched and errors per item",
      access: { permission: 'view' },
      body: evaluateBody,
      response: evaluateSchema,
      handler: async ({ body }) => {
        const { expression } = body;
        let items: Item[];
        if (body.facts) {
          items = body.facts.map((f, index) => ({
            index,
            db_type: f.db_type,
            ...evaluate(expression, completeFacts(f)),
          }));
        } else {
          const ids = body.account_ids ?? [];
          const found = new Map((await factsOfAccounts(knex, ids)).map((a) => [a.account_id, a]));
          items = ids.map((id, index) => {
            const account = found.get(id);
            if (!account)
              return {
                index,
                account_id: id,
                matched: false,
                errors: [{ code: 'RESOURCE_NOT_FOUND', path: '', message: `account ${id} does not exist` }],
              };
            return {
              index,
              account_id: id,
              username: account.username,
              instance_id: account.instance_id,
              db_type: account.db_type,
              ...evaluate(expression, account.facts),
            };
          });
        }
        return { data: { ...validationOf(validate(expression)), items, summary: summaryOf(items) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/accounts/classifications/permissions/:db_type',
      tag: 'classifications',
      summary:
        "The capability, role and privilege names the rule editor offers for an engine, with each privilege's scopes",
      access: { permission: 'view' },
      params: dbTypeParams,
      response: permissionCatalogSchema,
      handler: ({ params }) => Promise.resolve({ data: permissionCatalog(params.db_type) }),
    }),
  ];
}
