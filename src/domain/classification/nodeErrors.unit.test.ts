import { describe, expect, it } from 'vitest';
import { makeFacts } from '../engines/model.js';
import { evaluate, validate, type DslError } from './dsl.js';

// Every bad node, as evaluation reports it (does not match, code + path) and as the validator refuses it.
const superuser = makeFacts('mysql', { capabilities: { SUPERUSER: ['SUPER'] }, global: ['SELECT'] });
const ok = { fn: 'is_superuser', args: {} };

const cases: [string, unknown, DslError['code']][] = [
  ['an unknown function', { fn: 'is_admin', args: {} }, 'UNKNOWN_DSL_FUNCTION'],
  ['a function name in another case', { fn: 'IS_SUPERUSER', args: {} }, 'UNKNOWN_DSL_FUNCTION'],
  ['a function name that is not a string', { fn: 7, args: {} }, 'UNKNOWN_DSL_FUNCTION'],
  ['db_type_in without types', { fn: 'db_type_in', args: {} }, 'MISSING_DSL_ARGS'],
  ['db_type_in, types not a list', { fn: 'db_type_in', args: { types: 'mysql' } }, 'INVALID_DSL_ARGS'],
  ['db_type_in, empty types', { fn: 'db_type_in', args: { types: [] } }, 'INVALID_DSL_ARGS'],
  [
    'db_type_in, an unknown type',
    { fn: 'db_type_in', args: { types: ['mysql', 'db2'] } },
    'INVALID_DSL_ARGS',
  ],
  ['db_type_in, a type not a string', { fn: 'db_type_in', args: { types: [1] } }, 'INVALID_DSL_ARGS'],
  ['is_superuser with an argument', { fn: 'is_superuser', args: { name: 'x' } }, 'INVALID_DSL_ARGS'],
  ['args that are a list', { fn: 'is_superuser', args: [] }, 'INVALID_DSL_ARGS'],
  ['args that are null', { fn: 'has_role', args: null }, 'INVALID_DSL_ARGS'],
  ['has_capability without args', { fn: 'has_capability' }, 'MISSING_DSL_ARGS'],
  ['has_capability, unknown name', { fn: 'has_capability', args: { name: 'DBA' } }, 'INVALID_DSL_ARGS'],
  ['has_role, empty name', { fn: 'has_role', args: { name: ' ' } }, 'INVALID_DSL_ARGS'],
  ['has_role, name a number', { fn: 'has_role', args: { name: 1 } }, 'INVALID_DSL_ARGS'],
  ['has_privilege without scope', { fn: 'has_privilege', args: { name: 'SELECT' } }, 'MISSING_DSL_ARGS'],
  ['has_privilege without name', { fn: 'has_privilege', args: { scope: 'global' } }, 'MISSING_DSL_ARGS'],
  [
    'has_privilege, unknown scope',
    { fn: 'has_privilege', args: { name: 'SELECT', scope: 'schema' } },
    'INVALID_DSL_ARGS',
  ],
  [
    'has_privilege, database with scope global',
    { fn: 'has_privilege', args: { name: 'SELECT', scope: 'global', database: 'app' } },
    'INVALID_DSL_ARGS',
  ],
  [
    'has_privilege, empty database',
    { fn: 'has_privilege', args: { name: 'SELECT', scope: 'database', database: '' } },
    'INVALID_DSL_ARGS',
  ],
  [
    'has_privilege, an unknown argument',
    { fn: 'has_privilege', args: { name: 'SELECT', scope: 'global', schema: 'x' } },
    'INVALID_DSL_ARGS',
  ],
  ['NOT with two args', { op: 'NOT', args: [ok, ok] }, 'INVALID_DSL_ARGS'],
  ['NOT with none', { op: 'NOT', args: [] }, 'INVALID_DSL_ARGS'],
  ['an empty AND', { op: 'AND', args: [] }, 'INVALID_DSL_ARGS'],
  ['an OR without args', { op: 'OR' }, 'MISSING_DSL_ARGS'],
  ['an AND whose args is an object', { op: 'AND', args: { a: ok } }, 'INVALID_DSL_EXPRESSION'],
  ['an unknown operator', { op: 'XOR', args: [ok] }, 'INVALID_DSL_EXPRESSION'],
  ['a node with op and fn', { op: 'AND', fn: 'is_superuser', args: [ok] }, 'INVALID_DSL_EXPRESSION'],
  ['a node with neither', { args: {} }, 'INVALID_DSL_EXPRESSION'],
  ['a node with an unknown key', { fn: 'is_superuser', args: {}, note: 'x' }, 'INVALID_DSL_EXPRESSION'],
  ['a node that is a string', 'is_superuser', 'INVALID_DSL_EXPRESSION'],
];

describe('a bad node, evaluated', () => {
  it.each(cases)('given a superuser, when %s, then no match and %s at the node', (_, node, code) => {
    const result = evaluate(
      { version: 4, expr: { op: 'OR', args: [{ op: 'NOT', args: [ok] }, node] } },
      superuser,
    );
    expect(result.matched).toBe(false);
    expect(result.errors.map((e) => [e.code, e.path])).toEqual([[code, 'expr.args[1]']]);
    expect(result.errors[0]!.message).not.toBe('');
  });
});

describe('a bad node, validated', () => {
  it.each(cases)('when %s is written, then INVALID_DSL_EXPRESSION names the node (%s)', (_, node, code) => {
    const result = validate({ version: 4, expr: { op: 'AND', args: [ok, node] } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe('INVALID_DSL_EXPRESSION');
    expect(result.problems.map((p) => [p.path, p.code])).toEqual([['expr.args[1]', code]]);
  });
});
