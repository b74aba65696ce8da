// evaluator(facts): the facts read once, then any number of rules judged as evaluate() judges each.
import { describe, expect, it } from 'vitest';
import { makeFacts } from '../engines/model.js';
import { evaluate, evaluator } from './dsl.js';

const facts = makeFacts('postgresql', {
  capabilities: { GRANT_ADMIN: ['rolcreaterole = true'] },
  roles: ['pg_monitor'],
  global: ['LOGIN', 'CREATEROLE'],
  database: { app: ['CONNECT', 'TEMPORARY'] },
});
const rules: unknown[] = [
  { version: 4, expr: { fn: 'has_capability', args: { name: 'GRANT_ADMIN' } } },
  { version: 4, expr: { fn: 'is_superuser' } },
  {
    version: 4,
    expr: { fn: 'has_privilege', args: { name: 'connect', scope: 'database', database: 'app' } },
  },
  { version: 4, expr: { op: 'NOT', args: [{ fn: 'has_role', args: { name: 'PG_MONITOR' } }] } },
  { version: 4, expr: { op: 'OR', args: [{ fn: 'has_role' }, { fn: 'is_superuser' }] } },
  { version: 3, expr: { fn: 'is_superuser' } },
];

describe('evaluator', () => {
  it('given several rules, when judged by one evaluator, then each result is what evaluate() gives', () => {
    const judge = evaluator(facts);
    const results = rules.map((rule) => judge(rule));
    expect(results).toEqual(rules.map((rule) => evaluate(rule, facts)));
    expect(results.map((r) => r.matched)).toEqual([true, false, true, false, false, false]);
    expect(results.map((r) => r.errors.map((e) => e.code))).toEqual([
      [],
      [],
      [],
      [],
      ['MISSING_DSL_ARGS'],
      ['DSL_V4_REQUIRED'],
    ]);
  });

  it('given no facts, when judged, then a bad version is reported first, else PERMISSION_FACTS_MISSING', () => {
    const judge = evaluator(undefined);
    expect(judge(rules[0]).errors.map((e) => e.code)).toEqual(['PERMISSION_FACTS_MISSING']);
    expect(judge(rules[5]).errors.map((e) => e.code)).toEqual(['DSL_V4_REQUIRED']);
  });
});
