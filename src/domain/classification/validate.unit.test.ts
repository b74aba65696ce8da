import { describe, expect, it } from 'vitest';
import { validate } from './dsl.js';

const ok = { fn: 'has_capability', args: { name: 'GRANT_ADMIN' } };

describe('validate: a rule is written only when it is v4 and every node is good', () => {
  it.each<[string, unknown]>([
    [
      'the reference example',
      {
        version: 4,
        expr: { op: 'AND', args: [ok, { fn: 'has_privilege', args: { name: 'SELECT', scope: 'global' } }] },
      },
    ],
    [
      'a single function',
      { version: 4, expr: { fn: 'db_type_in', args: { types: ['mysql', 'PostgreSQL'] } } },
    ],
    ['is_superuser without args', { version: 4, expr: { fn: 'is_superuser' } }],
    ['lower-case operators', { version: 4, expr: { op: 'not', args: [{ op: 'or', args: [ok] }] } }],
    [
      'a named database',
      { version: 4, expr: { fn: 'has_privilege', args: { name: 'x', scope: 'database', database: 'app' } } },
    ],
  ])('when %s is written, then it is accepted as is', (_, rule) => {
    expect(validate(rule)).toEqual({ ok: true, rule });
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', '{"version":4}'],
    ['a list', [{ version: 4, expr: ok }]],
    ['no version', { expr: ok }],
    ['version 3', { version: 3, expr: ok }],
    ['version "4"', { version: '4', expr: ok }],
  ])('when %s is written, then DSL_V4_REQUIRED', (_, rule) => {
    const result = validate(rule);
    expect(result).toMatchObject({ ok: false, code: 'DSL_V4_REQUIRED', problems: [{ path: 'version' }] });
  });

  it('when the rule has no expr, then INVALID_DSL_EXPRESSION at expr', () => {
    expect(validate({ version: 4 })).toMatchObject({
      ok: false,
      code: 'INVALID_DSL_EXPRESSION',
      problems: [{ path: 'expr', code: 'INVALID_DSL_EXPRESSION' }],
    });
  });

  it('when the rule has an unknown key, then INVALID_DSL_EXPRESSION names it', () => {
    expect(validate({ version: 4, expr: ok, name: 'x' })).toMatchObject({
      ok: false,
      problems: [{ path: 'name', code: 'INVALID_DSL_EXPRESSION' }],
    });
  });

  it('when several nodes are bad, then one problem per bad node, in order, each with its path', () => {
    const rule = {
      version: 4,
      expr: {
        op: 'OR',
        args: [
          { fn: 'nope', args: {} },
          ok,
          {
            op: 'AND',
            args: [
              { fn: 'has_role', args: {} },
              { op: 'NOT', args: [ok, ok] },
            ],
          },
        ],
      },
    };
    const result = validate(rule);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe('INVALID_DSL_EXPRESSION');
    expect(result.problems.map((p) => [p.path, p.code])).toEqual([
      ['expr.args[0]', 'UNKNOWN_DSL_FUNCTION'],
      ['expr.args[2].args[0]', 'MISSING_DSL_ARGS'],
      ['expr.args[2].args[1]', 'INVALID_DSL_ARGS'],
    ]);
    for (const p of result.problems) expect(p.problem).not.toBe('');
  });

  it('when a NOT over a bad child is written, then the child is named, not the NOT', () => {
    const result = validate({
      version: 4,
      expr: { op: 'NOT', args: [{ fn: 'has_role', args: { name: '' } }] },
    });
    expect(result).toMatchObject({
      ok: false,
      problems: [{ path: 'expr.args[0]', code: 'INVALID_DSL_ARGS' }],
    });
  });
});
