// Classification shapes (issue 12): the request bodies of classifications, rules and manual assignments,
// and the answers of src/projections/classification/queries.ts (+ asOf.ts, statistics.ts, trend.ts),
// field for field, snake_case as the reference names them.
import { z } from 'zod';
import { assignmentTypes } from '../../domain/classification/assignments.js';
import { riskLevels } from '../../domain/classification/events.js';
import { dbTypes } from '../../domain/engines/model.js';
import { periodTypes } from '../../domain/periods/periods.js';
import { nameField } from '../requestFields.js';
import { dateInput } from './capacity.js';

const time = z.iso.datetime();
const count = z.number().int().min(0);
const riskLevel = z.enum(riskLevels);

/** A DSL v4 rule (docs/dsl-v4.md): {version: 4, expr: NODE}. */
export const expressionSchema = z
  .object({
    version: z.literal(4),
    expr: z
      .record(z.string(), z.unknown())
      .describe('the root node: {op: AND|OR|NOT, args: [node...]} or {fn: name, args: {...}}'),
  })
  .describe('a DSL v4 rule (docs/dsl-v4.md)');

export const classificationSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string(),
  risk_level: riskLevel,
  color: z.string(),
  priority: z.number().int(),
  is_system: z.boolean().describe('seeded by the service: it cannot be renamed or deleted'),
  is_active: z.boolean(),
  rule_count: count.describe('active rules'),
  account_count: count.describe('distinct accounts holding it now'),
  created_at: time,
  updated_at: time,
});

const classificationFields = {
  name: nameField(128),
  description: z.string().max(1000),
  risk_level: riskLevel,
  color: nameField(32).describe('a CSS color, e.g. #dc2626'),
  priority: z.number().int().min(0).max(1_000_000).describe('higher first'),
};

export const classificationCreateBody = z.strictObject({
  ...classificationFields,
  description: classificationFields.description.default(''),
  risk_level: classificationFields.risk_level.default('medium'),
  color: classificationFields.color.default('#6b7280'),
  priority: classificationFields.priority.default(0),
});

export const classificationUpdateBody = z
  .strictObject({ ...classificationFields, is_active: z.boolean() })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field to change');

export const ruleSchema = z.object({
  id: z.uuid(),
  classification_id: z.uuid(),
  classification_name: z.string().nullable(),
  db_type: z.enum(dbTypes),
  rule_name: z.string(),
  expression: expressionSchema,
  version: z.number().int().min(1).describe('1, then one more at each change of the expression'),
  is_active: z.boolean(),
  created_at: time,
  updated_at: time,
});

export const ruleCreateBody = z.strictObject({
  classification_id: z.uuid(),
  db_type: z.enum(dbTypes),
  rule_name: nameField(128),
  expression: z.unknown().describe('a DSL v4 rule; refused with DSL_V4_REQUIRED or INVALID_DSL_EXPRESSION'),
});

export const ruleUpdateBody = z
  .strictObject({
    rule_name: nameField(128),
    expression: z.unknown().describe('a new expression is a new version (the same one changes nothing)'),
    is_active: z.boolean(),
  })
  .partial()
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'send at least one field to change');

export const ruleVersionSchema = z.object({
  rule_id: z.uuid(),
  version: z.number().int().min(1),
  expression: expressionSchema,
  created_at: time,
  created_by: z.string().describe('the actor that wrote it, kind:id'),
  event_id: z.uuid(),
});

export const assignmentSchema = z.object({
  id: z.uuid(),
  account_id: z.uuid(),
  instance_id: z.uuid(),
  instance_name: z.string().nullable(),
  username: z.string(),
  db_type: z.enum(dbTypes).nullable(),
  account_is_active: z.boolean().nullable().describe('null: the account is not in the inventory'),
  classification_id: z.uuid(),
  classification_name: z.string().nullable(),
  risk_level: riskLevel.nullable(),
  color: z.string().nullable(),
  assignment_type: z.enum(assignmentTypes),
  rule_id: z.uuid().nullable(),
  rule_version: z.number().int().nullable(),
  session_id: z.uuid().nullable().describe('the classification run that decided it; null when manual'),
  assigned_at: time,
  assigned_by: z.string(),
});

export const assignmentBody = z.strictObject({ account_id: z.uuid(), classification_id: z.uuid() });

/** One assignment held at a moment (asOf.ts). */
const heldSchema = {
  assignment_id: z.uuid(),
  assignment_type: z.enum(assignmentTypes),
  rule_id: z.uuid().nullable(),
  rule_version: z.number().int().nullable().describe('the version that decided it'),
  session_id: z.uuid().nullable(),
  assigned_at: time,
};

export const accountClassificationsAsOfSchema = z.object({
  account_id: z.uuid(),
  instance_id: z.uuid(),
  username: z.string(),
  as_of: time,
  items: z.array(
    z.object({
      classification_id: z.uuid(),
      name: z.string().nullable().describe('as it was at as_of'),
      risk_level: riskLevel.nullable(),
      color: z.string().nullable(),
      deleted: z.boolean().describe('the classification had been deleted by as_of'),
      ...heldSchema,
      rule_name: z.string().nullable().describe('as it was at as_of'),
    }),
  ),
});

export const memberAsOfSchema = z.object({
  account_id: z.uuid(),
  instance_id: z.uuid(),
  instance_name: z.string(),
  username: z.string(),
  assignments: z.array(z.object(heldSchema)),
});

/** as_of: an instant, or a date meaning the end of that day in the service's time zone. */
export const asOfQuery = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], {
    error: 'expected an ISO 8601 instant with an offset, or a date YYYY-MM-DD',
  })
  .optional();

const byRisk = z.object({ low: count, medium: count, high: count, critical: count });

export const classificationFiguresSchema = z.object({
  classification_id: z.uuid(),
  name: z.string(),
  risk_level: riskLevel,
  color: z.string(),
  priority: z.number().int(),
  is_active: z.boolean(),
  accounts: count.describe('distinct accounts holding it'),
  assignments: count,
  auto_assignments: count,
  manual_assignments: count,
  rule_count: count.describe('active rules'),
});

export const summarySchema = z.object({
  total_accounts: count.describe('active accounts in the inventory'),
  classified_accounts: count,
  by_risk_level: byRisk.describe('distinct accounts per level (one account may count at several)'),
  classifications: z.array(classificationFiguresSchema),
});

export const dbTypeFiguresSchema = z.object({
  db_type: z.string().describe("the account's db type; 'unknown' when it is not in the inventory"),
  classified_accounts: count,
  assignments: count,
  by_risk_level: byRisk,
});

export const ruleFiguresSchema = z.object({
  rule_id: z.uuid(),
  rule_name: z.string(),
  db_type: z.enum(dbTypes),
  version: z.number().int(),
  is_active: z.boolean(),
  classification_id: z.uuid(),
  classification_name: z.string().nullable(),
  risk_level: riskLevel.nullable(),
  hits: count.describe('auto assignments it decided that hold now'),
});

export const trendQuery = z.strictObject({
  period_type: z.enum(periodTypes).default('daily'),
  classification_id: z.uuid().optional(),
  start_date: dateInput.optional(),
  end_date: dateInput.optional().describe('default: today in the service time zone'),
});

export const trendSchema = z.object({
  period_type: z.enum(periodTypes),
  start_date: z.iso.date().nullable(),
  end_date: z.iso.date().nullable(),
  series: z.array(
    z.object({
      classification_id: z.uuid(),
      name: z.string(),
      risk_level: riskLevel,
      color: z.string(),
      points: z.array(
        z.object({
          period_start: z.iso.date(),
          period_end: z.iso.date(),
          accounts: count.describe('distinct accounts holding it on the last day of the period'),
          assignments: count,
        }),
      ),
    }),
  ),
});
