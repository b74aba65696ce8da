// `npm run docs:generate`: rewrites every generated part of the docs (between the generated:<name>
// markers, scripts/docs/markers.ts), then formats each doc it touched with prettier, as `npm run format`
// would. `--check` writes nothing and exits 1 when a committed doc differs from what it would write.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import prettier from 'prettier';
import * as apiContracts from './apiContracts.js';
import { replaceGenerated } from './markers.js';
import * as messageCodes from './messageCodes.js';

type Generated = Map<string, Map<string, string>>;
type Generator = { generate(): Promise<Generated> };

const repoRoot = path.resolve(import.meta.dirname, '../..');
export const generators = (): Generator[] => [messageCodes, apiContracts];

/** Each doc a generator writes: its current text and the text it should have. */
export async function expectedDocs(): Promise<{ doc: string; current: string; expected: string }[]> {
  const all: Generated = new Map();
  for (const g of generators())
    for (const [doc, parts] of await g.generate()) all.set(doc, new Map([...(all.get(doc) ?? []), ...parts]));
  const out = [];
  for (const [doc, parts] of all) {
    const file = path.join(repoRoot, doc);
    const current = readFileSync(file, 'utf8');
    let text = current;
    for (const [name, markdown] of parts) text = replaceGenerated(text, name, markdown);
    const options = await prettier.resolveConfig(file);
    const expected = await prettier.format(text, { ...options, filepath: file });
    out.push({ doc, current, expected });
  }
  return out;
}

async function main() {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const { doc, current, expected } of await expectedDocs()) {
    if (current === expected) continue;
    stale++;
    if (check) console.error(`${doc}: differs from what npm run docs:generate writes`);
    else {
      writeFileSync(path.join(repoRoot, doc), expected);
      console.log(`${doc}: regenerated`);
    }
  }
  if (check && stale) process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
