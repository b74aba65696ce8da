// The rule decider: the state a rule-{id} stream folds into, and what a command appends. An edit of the
// expression is a new version (RuleVersioned, the whole expression); the same canonical expression appends
// nothing. Facts outside the stream (the canonical expressions of the classification's other rules of the
// same db type, whether the classification is live) come in as inputs.
import type { DbType } from '../engines/model.js';
import { AppError } from '../errors.js';
import { decideLifecycle, type Lifecycle } from '../lifecycle.js';
import { canonicalExpression } from './canonical.js';
import { validate, type DslRule } from './dsl.js';

export interface RuleState {
  lifecycle: Lifecycle;
  classificationId: string;
  dbType: DbType | null;
  ruleName: string;
  expression: DslRule | null;
  version: number;
  isActive: boolean;
}

export type RuleEvent =
  | {
      type: 'RuleCreated';
      data: {
        ruleId: string;
        classificationId: string;
        dbType: DbType;
        ruleName: string;
        expression: DslRule;
        version: 1;
      };
    }
  | { type: 'RuleVersioned'; data: { ruleId: string; version: number; expression: DslRule } }
  | { type: 'RuleUpdated'; data: { ruleId: string; changes: { ruleName?: string; isActive?: boolean } } }
  | { type: 'RuleDeleted'; data: { ruleId: string } };

export type RuleCommand =
  | {
      type: 'create';
      ruleId: string;
      classificationId: string;
      dbType: DbType;
      ruleName: string;
      expression: unknown;
    }
  | {
      type: 'update';
      ruleId: string;
      changes: { ruleName?: string; isActive?: boolean; expression?: unknown };
    }
  | { type: 'delete'; ruleId: string };

export interface RuleContext {
  /** Canonical expressions (canonicalExpression) of the classification's other rules of this db type. */
  otherExpressions?: readonly string[];
  /** The classification exists and is not deleted (create); true when not given. */
  classificationExists?: boolean;
}

export const initialRuleState = (): RuleState => ({
  lifecycle: 'none',
  classificationId: '',
  dbType: null,
  ruleName: '',
  expression: null,
  version: 0,
  isActive: false,
});

export function evolveRule(state: RuleState, event: RuleEvent): RuleState {
  switch (event.type) {
    case 'RuleCreated': {
      const { ruleId: _id, ...fields } = event.data;
      return { ...state, ...fields, lifecycle: 'active', isActive: true };
    }
    case 'RuleVersioned':
      return { ...state, version: event.data.version, expression: event.data.expression };
    case 'RuleUpdated':
      return { ...state, ...event.data.changes };
    case 'RuleDeleted':
      return { ...state, lifecycle: 'deleted' };
    default:
      return state;
  }
}

/** The expression as a DSL v4 rule, or the refusal validate() gives (DSL_V4_REQUIRED, INVALID_DSL_EXPRESSION). */
function checkedExpression(expression: unknown): DslRule {
  const v = validate(expression);
  if (!v.ok) throw new AppError(v.code, undefined, { problems: v.problems });
  return v.rule;
}

function refuseDuplicate(expression: DslRule, context: RuleContext): void {
  if ((context.otherExpressions ?? []).includes(canonicalExpression(expression)))
    throw new AppError(
      'EXPRESSION_DUPLICATED',
      'an identical expression exists in this classification and db type',
    );
}

export function decideRule(command: RuleCommand, state: RuleState, context: RuleContext = {}): RuleEvent[] {
  const id = command.ruleId;
  decideLifecycle('rule', id, state.lifecycle, command.type);
  switch (command.type) {
    case 'create': {
      if (context.classificationExists === false)
        throw new AppError(
          'RESOURCE_NOT_FOUND',
          `classification ${command.classificationId} does not exist`,
          {
            resource: 'classification',
            id: command.classificationId,
          },
        );
      const expression = checkedExpression(command.expression);
      refuseDuplicate(expression, context);
      const { type: _type, ...rest } = command;
      return [{ type: 'RuleCreated', data: { ...rest, expression, version: 1 } }];
    }
    case 'update': {
      const { expression: next, ...fields } = command.changes;
      const events: RuleEvent[] = [];
      if (next !== undefined) {
        const expression = checkedExpression(next);
        if (canonicalExpression(expression) !== canonicalExpression(state.expression)) {
          refuseDuplicate(expression, context);
          events.push({
            type: 'RuleVersioned',
            data: { ruleId: id, version: state.version + 1, expression },
          });
        }
      }
      const changes: { ruleName?: string; isActive?: boolean } = {};
      if (fields.ruleName !== undefined && fields.ruleName !== state.ruleName)
        changes.ruleName = fields.ruleName;
      if (fields.isActive !== undefined && fields.isActive !== state.isActive)
        changes.isActive = fields.isActive;
      if (Object.keys(changes).length > 0)
        events.push({ type: 'RuleUpdated', data: { ruleId: id, changes } });
      return events;
    }
    case 'delete':
      return [{ type: 'RuleDeleted', data: { ruleId: id } }];
    default: {
      const never: never = command;
      throw new Error(`unknown command ${String(never)}`);
    }
  }
}
