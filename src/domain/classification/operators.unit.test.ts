import { describe, expect, it } from 'vitest';
import { makeFacts } from '../engines/model.js';
import { evaluate, maxDepth, type DslError } from './dsl.js';

const facts = makeFacts('mysql', {
  capabilities: { GRANT_ADMIN: ['WITH GRANT OPTION on *.*'] },
  global: ['SELECT'],
});
const yes = { fn: 'has_capability', args: { name: 'GRANT_ADMIN' } };
const no = { fn: 'has_capability', args: { name: 'SUPERUSER' } };
const unknown = { fn: 'is_admin', args: {} };
const unknownAt = (path: string): DslError => ({
  code: 'UNKNOWN_DSL_FUNCTION',
  path,
  message: 'unknown function "is_admin"',
});

describe('operators', () => {
  it.each<[string, unknown, boolean, DslError[]]>([
    ['AND, both match', { op: 'AND', args: [yes, yes] }, true, []],
    ['AND, one does not', { op: 'AND', args: [yes, no] }, false, []],
    ['OR, one matches', { op: 'OR', args: [no, yes] }, true, []],
    ['OR, none matches', { op: 'OR', args: [no, no] }, false, []],
    ['NOT over a miss', { op: 'NOT', args: [no] }, true, []],
    ['NOT over a match', { op: 'NOT', args: [yes] }, false, []],
    ['op names in any case', { op: 'and', args: [yes, { op: 'Not', args: [no] }] }, true, []],
    [
      'the reference example',
      { op: 'AND', args: [yes, { fn: 'has_privilege', args: { name: 'SELECT', scope: 'global' } }] },
      true,
      [],
    ],
    [
      'nesting three deep',
      { op: 'OR', args: [no, { op: 'AND', args: [yes, { op: 'NOT', args: [{ op: 'OR', args: [no] }] }] }] },
      true,
      [],
    ],
  ])('given the facts, when %s, then matched is %s', (_, expr, matched, errors) => {
    expect(evaluate({ version: 4, expr }, facts)).toEqual({ matched, errors });
  });
});

describe('operators over an erroring child fail closed', () => {
  it.each<[string, unknown, boolean, DslError[]]>([
    ['NOT over an unknown function', { op: 'NOT', args: [unknown] }, false, [unknownAt('expr.args[0]')]],
    [
      'NOT over an OR that misses with an error (no negating it)',
      { op: 'NOT', args: [{ op: 'OR', args: [unknown, no] }] },
      false,
      [unknownAt('expr.args[0].args[0]')],
    ],
    ['AND with an erroring child', { op: 'AND', args: [yes, unknown] }, false, [unknownAt('expr.args[1]')]],
    [
      'OR matching through another child',
      { op: 'OR', args: [unknown, yes] },
      true,
      [unknownAt('expr.args[0]')],
    ],
    ['OR with only an erroring child', { op: 'OR', args: [unknown] }, false, [unknownAt('expr.args[0]')]],
    [
      'every error, deep paths',
      { op: 'OR', args: [unknown, { op: 'AND', args: [yes, unknown] }] },
      false,
      [unknownAt('expr.args[0]'), unknownAt('expr.args[1].args[1]')],
    ],
  ])('given the facts, when %s, then matched is %s with the errors', (_, expr, matched, errors) => {
    expect(evaluate({ version: 4, expr }, facts)).toEqual({ matched, errors });
  });
});

describe('rule and facts errors', () => {
  it.each<[string, unknown, unknown, DslError['code'], string]>([
    ['no facts (null)', { version: 4, expr: yes }, null, 'PERMISSION_FACTS_MISSING', ''],
    ['no facts (undefined)', { version: 4, expr: yes }, undefined, 'PERMISSION_FACTS_MISSING', ''],
    ['version 3', { version: 3, expr: yes }, facts, 'DSL_V4_REQUIRED', 'version'],
    ['version "4"', { version: '4', expr: yes }, facts, 'DSL_V4_REQUIRED', 'version'],
    ['a rule that is a string', 'has_role(x)', facts, 'DSL_V4_REQUIRED', 'version'],
    ['a rule that is a list', [yes], facts, 'DSL_V4_REQUIRED', 'version'],
    ['no expr', { version: 4 }, facts, 'INVALID_DSL_EXPRESSION', 'expr'],
  ])('given %s, then nothing matches and %s at %s', (_, rule, given, code, path) => {
    const result = evaluate(rule, given as never);
    expect(result.matched).toBe(false);
    expect(result.errors.map((e) => [e.code, e.path])).toEqual([[code, path]]);
  });

  it('given no facts and a NOT, then it does not match (no negation of the unknown)', () => {
    expect(evaluate({ version: 4, expr: { op: 'NOT', args: [no] } }, null).matched).toBe(false);
  });
});

describe('nesting depth', () => {
  const nest = (depth: number): unknown => {
    let node: unknown = yes;
    for (let d = 1; d < depth; d += 2) node = { op: 'NOT', args: [{ op: 'NOT', args: [node] }] };
    return node;
  };
  it.each<[string, number, boolean, string[]]>([
    ['at the limit', maxDepth - 1, true, []],
    ['past the limit', maxDepth + 1, false, ['INVALID_DSL_EXPRESSION']],
    ['far past it (no stack overflow)', 20_001, false, ['INVALID_DSL_EXPRESSION']],
  ])('given the facts, when nested %s (depth %i), then matched is %s', (_, depth, matched, codes) => {
    const result = evaluate({ version: 4, expr: nest(depth) }, facts);
    expect([result.matched, result.errors.map((e) => e.code)]).toEqual([matched, codes]);
  });
});
