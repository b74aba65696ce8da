// The parts of a Markdown doc the doc checks read: fenced blocks (with the section they sit in), inline
// code spans outside them, and prose lines. A small line scanner, not a Markdown library: the docs use
// ``` fences, # headings and `code`, and that is all the checks need to find.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../../..');

export interface Fence {
  lang: string;
  text: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The `## ` heading the block sits under ('' before the first one). */
  section: string;
}

export interface Span {
  text: string;
  line: number;
}

export interface Doc {
  /** Repo-relative path, with forward slashes. */
  file: string;
  lines: string[];
  fences: Fence[];
  /** Inline code spans outside fences and HTML comments. */
  spans: Span[];
}

const fenceOpen = /^\s*(```+|~~~+)\s*([\w-]*)/;

export function parseDoc(file: string, text: string): Doc {
  const lines = text.split('\n');
  const fences: Fence[] = [];
  const spans: Span[] = [];
  let section = '';
  let open: { marker: string; lang: string; line: number; body: string[] } | undefined;
  let inComment = false;
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (open) {
      if (raw.trim().startsWith(open.marker) && raw.trim().replace(/[`~]/g, '') === '') {
        fences.push({ lang: open.lang, text: open.body.join('\n'), line: open.line, section });
        open = undefined;
      } else open.body.push(raw);
      return;
    }
    const f = fenceOpen.exec(raw);
    if (f) {
      open = { marker: f[1]!, lang: f[2] ?? '', line, body: [] };
      return;
    }
    const h = /^##\s+(.*)$/.exec(raw);
    if (h) section = h[1]!.trim();
    // HTML comments (the generated-part markers) hold no names to check.
    let prose = raw;
    if (inComment) {
      const end = prose.indexOf('-->');
      if (end < 0) return;
      prose = prose.slice(end + 3);
      inComment = false;
    }
    prose = prose.replace(/<!--.*?-->/g, '');
    const start = prose.indexOf('<!--');
    if (start >= 0) {
      prose = prose.slice(0, start);
      inComment = true;
    }
    for (const m of prose.matchAll(/(`+)(.+?)\1/g)) spans.push({ text: m[2]!.trim(), line });
  });
  return { file, lines, fences, spans };
}

/** Every Markdown file under docs/ (and the README), repo-relative, sorted. */
export function docFiles(): string[] {
  const out = ['README.md'];
  const walk = (dir: string) => {
    for (const e of readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.md')) out.push(rel);
    }
  };
  walk('docs');
  return out.sort();
}

export const readDoc = (file: string): Doc => parseDoc(file, readFileSync(path.join(repoRoot, file), 'utf8'));

/** The fences of one `## ` section, in order. */
export const sectionFences = (doc: Doc, section: string, lang: string): Fence[] =>
  doc.fences.filter((f) => f.section === section && f.lang === lang);
