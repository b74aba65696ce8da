// `whalefall rules validate FILE.json`: checks classification rules offline, as a rule write would
// (DSL v4 validate(), docs/dsl-v4.md). No database. The file holds one rule, a list of rules, or
// {"rules": [...]}; each entry is a rule {"version": 4, "expr": ...} or a rule definition with the rule
// in `expression` (and a `rule_name` or `name` to label it). Exit 0: every rule valid; 1: some rule is
// not; 2: the file cannot be read, is not JSON, or holds no rule.
import { readFile } from 'node:fs/promises';
import { validate } from '../domain/classification/dsl.js';
import { CliError } from './cliError.js';

export const rulesFileHelp = `FILE holds one rule, a list of rules, or {"rules": [...]}. An entry is a rule
{"version": 4, "expr": NODE} or a definition {"rule_name": ..., "expression": {"version": 4, ...}}.
Prints OK per valid rule, else each problem with its path; exit 0 all valid, 1 some invalid,
2 the file cannot be read, is not JSON or holds no rule.
`;

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

interface Entry {
  label: string;
  rule: unknown;
}

function entriesOf(doc: unknown): Entry[] {
  const listed = Array.isArray(doc)
    ? { items: doc as unknown[], prefix: '' }
    : isObject(doc) && !('version' in doc) && Array.isArray(doc.rules)
      ? { items: doc.rules as unknown[], prefix: 'rules' }
      : undefined;
  const entry = (item: unknown, at: string): Entry => {
    if (!isObject(item) || !('expression' in item)) return { label: at, rule: item };
    const name = item.rule_name ?? item.name;
    return { label: typeof name === 'string' ? `${at} (${name})` : at, rule: item.expression };
  };
  if (!listed) return [entry(doc, 'rule')];
  return listed.items.map((item, i) => entry(item, `${listed.prefix}[${i}]`));
}

/** The report on a file's text: the lines to print and the exit code. */
export function checkRulesText(text: string, file: string): { exitCode: number; lines: string[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file} is not JSON: ${(err as Error).message}`);
  }
  const entries = entriesOf(doc);
  if (entries.length === 0) throw new CliError(`${file} holds no rule`);
  const lines: string[] = [];
  let invalid = 0;
  for (const { label, rule } of entries) {
    const v = validate(rule);
    if (v.ok) {
      lines.push(`OK ${label}`);
      continue;
    }
    invalid++;
    lines.push(`INVALID ${label}: ${v.code}`);
    for (const p of v.problems) lines.push(`  ${p.path}: ${p.code}: ${p.problem}`);
  }
  const n = entries.length;
  lines.push(`${n} rule${n === 1 ? '' : 's'}: ${n - invalid} valid, ${invalid} invalid`);
  return { exitCode: invalid > 0 ? 1 : 0, lines };
}

/** Reads and checks a rules file; an unreadable file is a CliError (exit 2). */
export async function validateRulesFile(file: string): Promise<{ exitCode: number; lines: string[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  return checkRulesText(text, file);
}
