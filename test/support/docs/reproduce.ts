// A flow doc's `## Reproduce with curl` section as one bash script: its ```bash blocks top to bottom, each
// curl that ends with `# expect NNN` rewritten to `wf_curl NNN LINE ...`, which runs curl, prints the
// body as curl would and logs "LINE EXPECTED GOT" for the e2e test to compare.
import { readDoc, sectionFences, type Doc } from './markdown.js';

export const REPRODUCE = 'Reproduce with curl';

export interface CurlLine {
  /** 1-based line in the doc where the logical line starts. */
  line: number;
  text: string;
  expect: number | undefined;
}

interface LogicalLine {
  line: number;
  text: string;
  /** The physical lines it spans. */
  parts: string[];
}

function logicalLines(fenceText: string, fenceLine: number): LogicalLine[] {
  const out: LogicalLine[] = [];
  let cur: LogicalLine | undefined;
  fenceText.split('\n').forEach((raw, i) => {
    cur ??= { line: fenceLine + 1 + i, text: '', parts: [] };
    cur.parts.push(raw);
    cur.text += (cur.text ? ' ' : '') + raw.replace(/\\$/, '').trim();
    if (!raw.endsWith('\\')) {
      out.push(cur);
      cur = undefined;
    }
  });
  if (cur) out.push(cur);
  return out;
}

const runsCurl = (text: string) => /(^|[\s$(|;&])curl\s/.test(text.replace(/#.*$/, ''));
const expectOf = (text: string) => /#\s*expect\s+(\d{3})\b/.exec(text)?.[1];

/** Every logical line of the section's bash blocks that runs curl, with the status it expects. */
export function curlLines(doc: Doc): CurlLine[] {
  return sectionFences(doc, REPRODUCE, 'bash').flatMap((f) =>
    logicalLines(f.text, f.line)
      .filter((l) => !l.text.trimStart().startsWith('#') && runsCurl(l.text))
      .map((l) => {
        const e = expectOf(l.text);
        return { line: l.line, text: l.text, expect: e === undefined ? undefined : Number(e) };
      }),
  );
}

/** `<!-- doccheck: prelude accounts-sync.md -->`: that doc's first reproduction block runs first. */
const preludeOf = (doc: Doc): string | undefined =>
  doc.lines.map((l) => /<!--\s*doccheck:\s*prelude\s+([\w.-]+)\s*-->/.exec(l)?.[1]).find(Boolean);

const rewrite = (fenceText: string, fenceLine: number, file: string): string =>
  logicalLines(fenceText, fenceLine)
    .map((l) => {
      const e = expectOf(l.text);
      if (e === undefined || !runsCurl(l.text)) return l.parts.join('\n');
      const [first, ...rest] = l.parts;
      const marked = first!.replace(/(^|[\s$(|;&])curl\s/, `$1wf_curl ${e} ${file}:${l.line} `);
      return [marked, ...rest].join('\n');
    })
    .join('\n');

export const wfCurl = `
wf_curl() {
  local expected=$1 where=$2 body code
  shift 2
  body=$(mktemp)
  code=$(command curl --output "$body" --write-out '%{http_code}' "$@") || { cat "$body"; rm -f "$body"; return 1; }
  cat "$body"
  rm -f "$body"
  printf '%s %s %s\\n' "$where" "$expected" "$code" >> "$WF_STATUS_LOG"
}
`;

/**
 * The script the e2e test runs for one flow doc (repo-relative path under docs/flows/), and where its own
 * marked curls are (`file:line`): each must run. The prelude's may not (a doc need not call every
 * function the prelude defines).
 */
export function reproductionScript(file: string): { script: string; curls: string[] } {
  const doc = readDoc(file);
  const parts: string[] = ['set -eo pipefail', wfCurl];
  const add = (d: Doc, fences: ReturnType<typeof sectionFences>) => {
    for (const f of fences) parts.push(`# ${d.file}:${f.line}`, rewrite(f.text, f.line, d.file));
  };
  const prelude = preludeOf(doc);
  if (prelude) {
    const pre = readDoc(`docs/flows/${prelude}`);
    add(pre, sectionFences(pre, REPRODUCE, 'bash').slice(0, 1));
  }
  add(doc, sectionFences(doc, REPRODUCE, 'bash'));
  const curls = curlLines(doc)
    .filter((c) => c.expect !== undefined)
    .map((c) => `${doc.file}:${c.line}`);
  return { script: parts.join('\n'), curls };
}
