import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from './cliError.js';
import { checkRulesText, validateRulesFile } from './rulesValidate.js';

const su = { version: 4, expr: { fn: 'is_superuser' } };
const bad = {
  version: 4,
  expr: { op: 'or', args: [{ fn: 'has_privilege', args: { name: 'SELECT' } }, { fn: 'nope' }] },
};
const check = (doc: unknown) => checkRulesText(JSON.stringify(doc), 'f.json');

describe('whalefall rules validate', () => {
  it('one valid rule: OK, exit 0', () => {
    expect(check(su)).toEqual({ exitCode: 0, lines: ['OK rule', '1 rule: 1 valid, 0 invalid'] });
  });

  it('a list: each problem with its path and code, exit 1', () => {
    expect(check([su, bad, { version: 3 }])).toEqual({
      exitCode: 1,
      lines: [
        'OK [0]',
        'INVALID [1]: INVALID_DSL_EXPRESSION',
        '  expr.args[0]: MISSING_DSL_ARGS: has_privilege: missing scope',
        '  expr.args[1]: UNKNOWN_DSL_FUNCTION: unknown function "nope"',
        'INVALID [2]: DSL_V4_REQUIRED',
        '  version: DSL_V4_REQUIRED: version must be 4, got 3',
        '3 rules: 1 valid, 2 invalid',
      ],
    });
  });

  it('{"rules": [...]} of definitions, labelled by rule_name or name', () => {
    const doc = {
      rules: [
        { rule_name: 'super users', db_type: 'mysql', expression: su },
        { name: 'broken', expression: bad },
        { expression: 'not a rule' },
      ],
    };
    const { exitCode, lines } = check(doc);
    expect(exitCode).toBe(1);
    expect(lines.filter((l) => !l.startsWith('  '))).toEqual([
      'OK rules[0] (super users)',
      'INVALID rules[1] (broken): INVALID_DSL_EXPRESSION',
      'INVALID rules[2]: DSL_V4_REQUIRED',
      '3 rules: 1 valid, 2 invalid',
    ]);
  });

  it('not JSON, no rule, an unreadable file: CliError (exit 2)', async () => {
    expect(() => checkRulesText('{"version": 4,', 'f.json')).toThrow(CliError);
    expect(() => checkRulesText('[]', 'f.json')).toThrow(/holds no rule/);
    await expect(validateRulesFile('/nonexistent/rules.json')).rejects.toMatchObject({
      name: 'CliError',
      exitCode: 2,
      message: expect.stringContaining('ENOENT'),
    });
  });

  it('reads the file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'wf-rules-'));
    const file = path.join(dir, 'rules.json');
    await writeFile(file, JSON.stringify({ rules: [su] }));
    expect(await validateRulesFile(file)).toEqual({
      exitCode: 0,
      lines: ['OK rules[0]', '1 rule: 1 valid, 0 invalid'],
    });
  });
});
