import { describe, expect, it } from 'vitest';
import { spec } from '../../../test/support/deciderSpec.js';
import { canonicalExpression } from './canonical.js';
import type { DslRule } from './dsl.js';
import {
  decideRule,
  evolveRule,
  initialRuleState,
  type RuleCommand,
  type RuleContext,
  type RuleEvent,
  type RuleState,
} from './ruleDecider.js';

type When = [RuleCommand, RuleContext?];
const { given } = spec<When, RuleEvent, RuleState>(
  ([command, context], state) => decideRule(command, state, context),
  evolveRule,
  initialRuleState,
);

const ruleId = '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const classificationId = '0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f';
const superuser: DslRule = { version: 4, expr: { fn: 'is_superuser', args: {} } };
const grantAdmin: DslRule = {
  version: 4,
  expr: {
    op: 'AND',
    args: [
      { fn: 'has_capability', args: { name: 'GRANT_ADMIN' } },
      { fn: 'has_privilege', args: { name: 'SELECT', scope: 'global' } },
    ],
  },
};
// grantAdmin with its keys in another order and its operator in lower case
const grantAdminReordered = {
  expr: {
    args: [
      { args: { name: 'GRANT_ADMIN' }, fn: 'has_capability' },
      { fn: 'has_privilege', args: { scope: 'global', name: 'SELECT' } },
    ],
    op: 'and',
  },
  version: 4,
};
const create: RuleCommand = {
  type: 'create',
  ruleId,
  classificationId,
  dbType: 'mysql',
  ruleName: 'supers',
  expression: superuser,
};
const created: RuleEvent = {
  type: 'RuleCreated',
  data: { ruleId, classificationId, dbType: 'mysql', ruleName: 'supers', expression: superuser, version: 1 },
};
const deleted: RuleEvent = { type: 'RuleDeleted', data: { ruleId } };
const update = (changes: Extract<RuleCommand, { type: 'update' }>['changes']): RuleCommand => ({
  type: 'update',
  ruleId,
  changes,
});
const versioned = (version: number, expression: DslRule): RuleEvent => ({
  type: 'RuleVersioned',
  data: { ruleId, version, expression },
});

describe('canonicalExpression', () => {
  it('does not depend on key order or operator case', () => {
    expect(canonicalExpression(grantAdminReordered)).toBe(canonicalExpression(grantAdmin));
    expect(canonicalExpression({ version: 4, expr: { op: 'not', args: [superuser.expr] } })).toBe(
      canonicalExpression({ expr: { args: [superuser.expr], op: 'NOT' }, version: 4 }),
    );
  });

  it('counts an absent args of a function node as {}', () => {
    expect(canonicalExpression({ version: 4, expr: { fn: 'is_superuser' } })).toBe(
      canonicalExpression(superuser),
    );
  });

  it('tells different expressions apart (function names and values stay as written)', () => {
    expect(canonicalExpression(superuser)).not.toBe(canonicalExpression(grantAdmin));
    expect(canonicalExpression({ version: 4, expr: { fn: 'has_role', args: { name: 'a' } } })).not.toBe(
      canonicalExpression({ version: 4, expr: { fn: 'has_role', args: { name: 'b' } } }),
    );
  });
});

describe('rule decider', () => {
  it('folds events into a state', () => {
    expect(given().state).toMatchObject({ lifecycle: 'none', version: 0 });
    expect(given(created, versioned(2, grantAdmin)).state).toMatchObject({
      lifecycle: 'active',
      version: 2,
      expression: grantAdmin,
      isActive: true,
    });
    expect(given(created, deleted).state.lifecycle).toBe('deleted');
  });

  it('creates a rule at version 1', () => {
    given()
      .when([create, { otherExpressions: [canonicalExpression(grantAdmin)] }])
      .then(created);
  });

  it('versions an edit of the expression with the whole expression', () => {
    given(created)
      .when([update({ expression: grantAdmin })])
      .then(versioned(2, grantAdmin));
    given(created, versioned(2, grantAdmin))
      .when([update({ expression: superuser })])
      .then(versioned(3, superuser));
  });

  it('appends nothing for the same canonical expression', () => {
    given(created, versioned(2, grantAdmin))
      .when([update({ expression: grantAdminReordered })])
      .then();
    // its own expression among the "others" does not make it a duplicate of itself
    given(created)
      .when([update({ expression: superuser }), { otherExpressions: [canonicalExpression(superuser)] }])
      .then();
  });

  it('updates the name and the active flag, only when they change', () => {
    given(created)
      .when([update({ ruleName: 'admins', isActive: false })])
      .then({ type: 'RuleUpdated', data: { ruleId, changes: { ruleName: 'admins', isActive: false } } });
    given(created)
      .when([update({ ruleName: 'supers', isActive: true })])
      .then();
    given(created)
      .when([update({ expression: grantAdmin, isActive: false })])
      .then(versioned(2, grantAdmin), {
        type: 'RuleUpdated',
        data: { ruleId, changes: { isActive: false } },
      });
  });

  it('deletes a rule', () => {
    given(created)
      .when([{ type: 'delete', ruleId }])
      .then(deleted);
  });

  const dup = { otherExpressions: [canonicalExpression(grantAdmin)] };
  it.each<[string, RuleEvent[], When, string]>([
    ['create twice', [created], [create], 'CONSTRAINT_VIOLATION'],
    [
      'create in a missing classification',
      [],
      [create, { classificationExists: false }],
      'RESOURCE_NOT_FOUND',
    ],
    [
      'create a duplicate expression',
      [],
      [{ ...create, expression: grantAdminReordered }, dup],
      'EXPRESSION_DUPLICATED',
    ],
    [
      'version to a duplicate expression',
      [created],
      [update({ expression: grantAdmin }), dup],
      'EXPRESSION_DUPLICATED',
    ],
    [
      'create with a v3 rule',
      [],
      [{ ...create, expression: { version: 3, expr: superuser.expr } }],
      'DSL_V4_REQUIRED',
    ],
    [
      'create with a bad node',
      [],
      [{ ...create, expression: { version: 4, expr: { op: 'XOR', args: [] } } }],
      'INVALID_DSL_EXPRESSION',
    ],
    [
      'version to a bad expression',
      [created],
      [update({ expression: { version: 4 } })],
      'INVALID_DSL_EXPRESSION',
    ],
    ['update a missing rule', [], [update({ isActive: false })], 'RESOURCE_NOT_FOUND'],
    ['delete a missing rule', [], [{ type: 'delete', ruleId }], 'RESOURCE_NOT_FOUND'],
    ['update a deleted rule', [created, deleted], [update({ ruleName: 'x' })], 'CONSTRAINT_VIOLATION'],
    ['delete a deleted rule', [created, deleted], [{ type: 'delete', ruleId }], 'CONSTRAINT_VIOLATION'],
  ])('refuses to %s', (_name, history, when, code) => {
    given(...history)
      .when(when)
      .thenThrows(code);
  });
});
