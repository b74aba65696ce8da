// Classification and rule events (streams classification-{id} and rule-{id}). A rule's expression is never
// updated in place: every edit is a RuleVersioned carrying the whole new expression.
import { z } from 'zod';
import { dbTypes } from '../engines/model.js';
import { defineEvent, type EventDefinition } from '../events/registry.js';
import { validate, type DslRule } from './dsl.js';

export const riskLevels = ['low', 'medium', 'high', 'critical'] as const;
export type RiskLevel = (typeof riskLevels)[number];

export const classificationFields = {
  name: z.string().min(1).max(128),
  description: z.string().max(1000),
  riskLevel: z.enum(riskLevels),
  color: z.string().min(1).max(32),
  priority: z.number().int().min(0).max(1_000_000),
};

/** A DSL v4 rule, checked by validate() (docs/dsl-v4.md). */
export const dslRuleSchema = z.custom<DslRule>((v) => validate(v).ok, {
  message: 'the expression is not a valid DSL v4 rule',
});

export const ruleFields = {
  ruleName: z.string().min(1).max(128),
};

export const classificationEventDefinitions: readonly EventDefinition[] = [
  defineEvent({
    type: 'ClassificationCreated',
    schemaVersion: 1,
    schema: z.strictObject({ classificationId: z.uuid(), ...classificationFields, isSystem: z.boolean() }),
  }),
  defineEvent({
    type: 'ClassificationUpdated',
    schemaVersion: 1,
    schema: z.strictObject({
      classificationId: z.uuid(),
      changes: z.strictObject({
        ...z.object(classificationFields).partial().shape,
        isActive: z.boolean().optional(),
      }),
    }),
  }),
  defineEvent({
    type: 'ClassificationDeleted',
    schemaVersion: 1,
    schema: z.strictObject({ classificationId: z.uuid() }),
  }),
  defineEvent({
    type: 'RuleCreated',
    schemaVersion: 1,
    schema: z.strictObject({
      ruleId: z.uuid(),
      classificationId: z.uuid(),
      dbType: z.enum(dbTypes),
      ...ruleFields,
      expression: dslRuleSchema,
      version: z.literal(1),
    }),
  }),
  defineEvent({
    type: 'RuleVersioned',
    schemaVersion: 1,
    schema: z.strictObject({ ruleId: z.uuid(), version: z.number().int().min(2), expression: dslRuleSchema }),
  }),
  defineEvent({
    type: 'RuleUpdated',
    schemaVersion: 1,
    schema: z.strictObject({
      ruleId: z.uuid(),
      changes: z.strictObject({ ruleName: ruleFields.ruleName.optional(), isActive: z.boolean().optional() }),
    }),
  }),
  defineEvent({
    type: 'RuleDeleted',
    schemaVersion: 1,
    schema: z.strictObject({ ruleId: z.uuid() }),
  }),
];

export const classificationStream = (id: string): string => `classification-${id}`;
export const ruleStream = (id: string): string => `rule-${id}`;
