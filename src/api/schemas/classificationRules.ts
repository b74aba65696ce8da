// Shapes of the rule editor's routes: checking an expression, evaluating it against facts or accounts
// without storing anything, the permission names an engine offers (docs/dsl-v4.md).
import { z } from 'zod';
import { factsSchema } from '../../domain/accounts/events.js';
import type { DslError } from '../../domain/classification/dsl.js';
import { privilegeScopes } from '../../domain/classification/functions.js';
import { capabilities, dbTypes, type PermissionFacts } from '../../domain/engines/model.js';

export const MAX_EVALUATE_ITEMS = 1000;

const dslCodes = [
  'DSL_V4_REQUIRED',
  'INVALID_DSL_EXPRESSION',
  'UNKNOWN_DSL_FUNCTION',
  'INVALID_DSL_ARGS',
  'MISSING_DSL_ARGS',
  'PERMISSION_FACTS_MISSING',
] as const satisfies readonly DslError['code'][];

const expression = z
  .unknown()
  .refine((v) => v !== undefined, { message: 'expression is required' })
  .describe('a DSL v4 rule: {"version": 4, "expr": NODE} (docs/dsl-v4.md)');

const problemSchema = z.object({
  path: z.string().describe('the bad node: version, expr, expr.args[1] ...'),
  code: z.enum(dslCodes),
  problem: z.string(),
});

const validation = {
  valid: z.boolean(),
  code: z
    .enum(['DSL_V4_REQUIRED', 'INVALID_DSL_EXPRESSION'])
    .nullable()
    .describe('why a write of this expression would be refused; null when valid'),
  problems: z.array(problemSchema).describe('one per bad node, every one at once'),
};

export const validateExpressionBody = z.strictObject({ expression });

export const validateExpressionSchema = z.object({
  ...validation,
  expression: z.unknown().describe('the expression as given (null when invalid)'),
  canonical: z
    .unknown()
    .describe(
      'the canonical form (operators upper-cased, keys sorted): two expressions are the same rule when these are equal (null when invalid)',
    ),
});

/** The permission-facts shape; every field but db_type may be left out and counts as empty. */
export const previewFactsSchema = z.strictObject({
  db_type: factsSchema.shape.db_type,
  capabilities: factsSchema.shape.capabilities.optional(),
  capability_reasons: factsSchema.shape.capability_reasons.optional(),
  roles: factsSchema.shape.roles.optional(),
  privileges: factsSchema.shape.privileges.partial().optional(),
  errors: factsSchema.shape.errors.optional(),
});

/** Facts given to the preview, with what was left out as empty. */
export const completeFacts = (f: z.output<typeof previewFactsSchema>): PermissionFacts => ({
  db_type: f.db_type,
  capabilities: (f.capabilities ?? []) as PermissionFacts['capabilities'],
  capability_reasons: f.capability_reasons ?? {},
  roles: f.roles ?? [],
  privileges: {
    global: f.privileges?.global ?? [],
    server: f.privileges?.server ?? [],
    system: f.privileges?.system ?? [],
    database: f.privileges?.database ?? {},
    tablespace: f.privileges?.tablespace ?? {},
  },
  errors: (f.errors ?? []) as PermissionFacts['errors'],
});

const itemList = <T extends z.ZodType>(item: T) => z.array(item).min(1).max(MAX_EVALUATE_ITEMS).optional();

export const evaluateBody = z
  .strictObject({
    expression,
    facts: itemList(previewFactsSchema).describe(
      'permission facts to evaluate, as the account sync records them',
    ),
    account_ids: itemList(z.uuid()).describe('accounts whose latest facts (as last synced) to evaluate'),
  })
  .refine((b) => (b.facts === undefined) !== (b.account_ids === undefined), {
    message: 'give exactly one of facts and account_ids',
    path: ['facts'],
  });

export const evaluationItemSchema = z.object({
  index: z.number().int().min(0).describe('the position in facts or account_ids'),
  account_id: z.uuid().optional(),
  username: z.string().optional(),
  instance_id: z.uuid().optional(),
  db_type: z.enum(dbTypes).optional(),
  matched: z.boolean(),
  errors: z.array(
    z.object({
      code: z.enum([...dslCodes, 'RESOURCE_NOT_FOUND']),
      path: z.string(),
      message: z.string(),
    }),
  ),
});

export const evaluateSchema = z.object({
  ...validation,
  items: z.array(evaluationItemSchema).describe('one per facts object or account id, in the order given'),
  summary: z.object({
    total: z.number().int(),
    matched: z.number().int(),
    with_errors: z.number().int(),
  }),
});

export const dbTypeParams = z.strictObject({
  db_type: z.enum(dbTypes, { error: `expected one of ${dbTypes.join(', ')}` }),
});

export const permissionCatalogSchema = z.object({
  db_type: z.enum(dbTypes),
  capabilities: z.array(
    z.object({ name: z.enum(capabilities), description: z.string().describe('what makes it hold here') }),
  ),
  roles: z.array(
    z.object({
      name: z.string(),
      kind: z.enum(['server', 'database', 'predefined']),
      written_as: z.string().optional().describe('how has_role must name it, when not by its name'),
    }),
  ),
  privileges: z.array(
    z.object({
      name: z.string(),
      scopes: z.array(z.enum(privilegeScopes)).describe('the has_privilege scopes it is found in'),
    }),
  ),
  notes: z.array(z.string()),
});
