// Doc checks over README.md and docs/**/*.md: a doc that drifts from the code fails here, not at night in
// front of an operator. The rules (docs/flows/README.md#doc-checks says the same for writers):
//
// 1. Mermaid: every ```mermaid block parses with the mermaid package (11, under jsdom). Use flowchart,
//    sequenceDiagram or stateDiagram-v2.
// 2. Names in backticks (inline code outside fences and HTML comments) exist in the code:
//    - a path under src/ docs/ migrations/ test/ bench/ scripts/ web/ is a file or folder of the repository
//      (tracked or new; `:12` line suffixes and `#anchors` dropped; `*`, `**` and `{a,b}` are globs that must
//      match a file); a bare file name with an extension (`recordRunner.ts`) is some file's name;
//    - `name()` / `a.b(args)` and dotted `runtime.sessions`: each dotted part is a name in the code;
//    - a bare camelCase (`makeRunSession`), PascalCase with two humps (`SessionWriter`) or UPPER_SNAKE name
//      (`SYNC_RECOVERY_INTERVAL_MS`, `CSRF_MISSING`) is a name in the code;
//    - `METHOD /path` is a mounted route (with or without /api/v1; a query string is dropped; parameters
//      written {id}, :id, $ID or <id> match a route parameter only; `{a,b}` names both paths; a path that
//      starts with `.../` names the tail of one).
//    "A name in the code" is an identifier or a word of a string literal in a .ts/.tsx/.js file under
//    src/ test/ scripts/ bench/ web/ migrations/; comments do not count, so a rename that leaves a stale
//    comment still fails the doc. Anything else in backticks (values, commands, SQL, snake_case fields) is
//    not checked here (the self-check SQL is EXPLAINed by test/docs/selfCheckSql.int.test.ts).
// 3. Half-width punctuation: none of ，。：；、！？【】（）「」《》…“”‘’–— (U+3000-303F, U+FF01-FF65, curly quotes,
//    dashes, the ellipsis) anywhere, except on a blockquote line (`> `) that quotes Chinese text.
// 4. Reproductions: in a `## Reproduce with curl` section every ```bash line that runs curl ends with
//    `# expect NNN`, the status the doc shows (test/e2e/docsReproduce.e2e.test.ts runs the blocks and checks
//    it), and a curl there in a block of another language fails; every `## Self-check SQL` section has
//    ```sql blocks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes, codeNames, repoFiles } from '../support/docs/codeNames.js';
import { docFiles, readDoc, type Doc } from '../support/docs/markdown.js';
import { missingName, type Code } from '../support/docs/names.js';
import { curlLines, REPRODUCE } from '../support/docs/reproduce.js';
import { parseMermaid, closeMermaid } from '../support/docs/mermaid.js';

const docs: Doc[] = docFiles().map(readDoc);
let code: Code;

beforeAll(async () => {
  const files = repoFiles();
  code = {
    files: new Set(files),
    basenames: new Set(files.map((f) => f.slice(f.lastIndexOf('/') + 1))),
    names: codeNames(files),
    routes: await apiRoutes(),
  };
}, 30_000);
afterAll(closeMermaid);

// Full-width and typographic punctuation (the seeds' scan, and its neighbours).
const fullWidth =
  /[\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018\u2019\u201c\u201d\u2013\u2014\u2026]/g;
const chinese = /[\u4e00-\u9fff]/;

describe('docs', () => {
  it('finds the docs', () => {
    expect(docs.map((d) => d.file)).toContain('docs/flows/README.md');
  });

  it('every Mermaid block parses', { timeout: 30_000 }, async () => {
    const failures: string[] = [];
    for (const doc of docs)
      for (const fence of doc.fences.filter((f) => f.lang === 'mermaid')) {
        const error = await parseMermaid(fence.text);
        if (error) failures.push(`${doc.file}:${fence.line}: ${error}`);
      }
    expect(failures).toEqual([]);
  });

  it('every name in backticks exists in the code', () => {
    const failures: string[] = [];
    for (const doc of docs)
      for (const span of doc.spans) {
        const why = missingName(span.text, code);
        if (why) failures.push(`${doc.file}:${span.line}: \`${span.text}\`: ${why}`);
      }
    expect(failures).toEqual([]);
  });

  it('punctuation is half-width (quoted Chinese text aside)', () => {
    const failures: string[] = [];
    for (const doc of docs)
      doc.lines.forEach((line, i) => {
        if (/^\s*>/.test(line) && chinese.test(line)) return;
        const found = line.match(fullWidth);
        if (found) failures.push(`${doc.file}:${i + 1}: ${[...new Set(found)].join(' ')}: ${line.trim()}`);
      });
    expect(failures).toEqual([]);
  });

  it('every curl of a reproduction says the status it expects', () => {
    const failures: string[] = [];
    for (const doc of docs.filter((d) => d.file.startsWith('docs/flows/')))
      for (const line of curlLines(doc))
        if (line.expect === undefined)
          failures.push(`${doc.file}:${line.line}: no '# expect NNN': ${line.text}`);
    // A curl in another kind of block would escape the e2e run.
    for (const doc of docs)
      for (const f of doc.fences)
        if (f.section === REPRODUCE && f.lang !== 'bash' && /(^|[\s$(])curl\s/m.test(f.text))
          failures.push(`${doc.file}:${f.line}: curl in a '${f.lang || 'plain'}' block: make it bash`);
    expect(failures).toEqual([]);
  });

  it('every self-check section has SQL', () => {
    const empty = docs.filter(
      (d) =>
        d.lines.some((l) => l.trim() === '## Self-check SQL') &&
        !d.fences.some((f) => f.section === 'Self-check SQL' && f.lang === 'sql'),
    );
    expect(empty.map((d) => d.file)).toEqual([]);
  });
});
