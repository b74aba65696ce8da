// docs/message-codes.md's table, from the catalog (src/domain/messageCodes.ts), the operator's advice
// (src/domain/messageCodeActions.ts) and a scan of src/ for where each code is named: a code's "raised in"
// files are the non-test sources that spell it as a string literal ('CODE'), which is how `new
// AppError('CODE')`, an engine error mapping or a record's messageCode names it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { operatorActions } from '../../src/domain/messageCodeActions.js';
import { messageCodes, type MessageCode } from '../../src/domain/messageCodes.js';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const DOC = 'docs/message-codes.md';
const catalogFiles = new Set(['src/domain/messageCodes.ts', 'src/domain/messageCodeActions.ts']);

function sources(dir = 'src'): string[] {
  return readdirSync(path.join(repoRoot, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return sources(rel);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) && !catalogFiles.has(rel) ? [rel] : [];
  });
}

/** For each code, the source files that name it, sorted. */
export function raisedIn(): Map<MessageCode, string[]> {
  const texts = sources().map((file) => ({ file, text: readFileSync(path.join(repoRoot, file), 'utf8') }));
  const out = new Map<MessageCode, string[]>();
  for (const code of Object.keys(messageCodes) as MessageCode[]) {
    const literal = new RegExp(`['"\`]${code}['"\`]`);
    out.set(
      code,
      texts
        .filter((t) => literal.test(t.text))
        .map((t) => t.file)
        .sort(),
    );
  }
  return out;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The table (code, status, whether a retry may succeed, meaning, what to do), then where each is raised. */
export function table(): string {
  const raised = raisedIn();
  const codes = Object.keys(messageCodes) as MessageCode[];
  const rows = codes.map((code) => {
    const { status, message, recoverable } = messageCodes[code];
    return `| \`${code}\` | ${status} | ${recoverable ? 'yes' : 'no'} | ${cell(message)} | ${cell(operatorActions[code])} |`;
  });
  const where = codes.map((code) => {
    const files = raised.get(code) ?? [];
    return `- \`${code}\`: ${files.length ? files.map((f) => `\`${f}\``).join(', ') : 'nowhere in `src/` (not raised yet)'}`;
  });
  return [
    '| code | HTTP | retry may succeed | meaning | what to do |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    '### Where each code is raised',
    '',
    ...where,
  ].join('\n');
}

export function generate(): Promise<Map<string, Map<string, string>>> {
  return Promise.resolve(new Map([[DOC, new Map([['message-codes', table()]])]]));
}
