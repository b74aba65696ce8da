// A small, total tokenizer for the statements SHOW GRANTS prints (MySQL 5.7/8.x, MariaDB 10.x/11.x).
// It never throws: an unterminated quote ends at the end of the line and the parser decides.

export type Token =
  | { kind: 'word'; text: string }
  | { kind: 'quoted'; text: string; quote: '`' | "'" | '"' }
  | { kind: 'punct'; text: string };

const isWordChar = (c: string): boolean => /[A-Za-z0-9_$]/.test(c) || c.charCodeAt(0) > 0x7f;

/** Reads a quoted token starting at `start` (the opening quote); returns its text and the next index. */
function readQuoted(line: string, start: number, quote: string): { text: string; next: number } {
  let text = '';
  let i = start + 1;
  while (i < line.length) {
    const c = line[i]!;
    if (c === quote) {
      if (line[i + 1] === quote) {
        text += quote; // doubled quote: a literal quote character
        i += 2;
        continue;
      }
      return { text, next: i + 1 };
    }
    // Backslash escapes exist in strings, not in backtick identifiers (`db\_x` keeps its backslash).
    if (c === '\\' && quote !== '`' && i + 1 < line.length) {
      const e = line[i + 1]!;
      text += e === 'n' ? '\n' : e === 't' ? '\t' : e === '0' ? '\0' : e;
      i += 2;
      continue;
    }
    text += c;
    i++;
  }
  return { text, next: i };
}

export function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '`' || c === "'" || c === '"') {
      const { text, next } = readQuoted(line, i, c);
      tokens.push({ kind: 'quoted', text, quote: c });
      i = next;
    } else if (isWordChar(c)) {
      let j = i;
      while (j < line.length && isWordChar(line[j]!)) j++;
      tokens.push({ kind: 'word', text: line.slice(i, j) });
      i = j;
    } else {
      tokens.push({ kind: 'punct', text: c });
      i++;
    }
  }
  return tokens;
}

/** True when the token is the (unquoted, case-insensitive) keyword. */
export const isWord = (t: Token | undefined, keyword: string): boolean =>
  t?.kind === 'word' && t.text.toUpperCase() === keyword;

export const isPunct = (t: Token | undefined, p: string): boolean => t?.kind === 'punct' && t.text === p;

/** An identifier or name: a quoted token of any kind, or a bare word. */
export const isName = (t: Token | undefined): t is Token & { kind: 'word' | 'quoted' } =>
  t?.kind === 'word' || t?.kind === 'quoted';

/** Index of the first keyword outside parentheses, from `from`; -1 when absent. */
export function findTopLevel(tokens: Token[], keyword: string, from = 0): number {
  let depth = 0;
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i];
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) depth = Math.max(0, depth - 1);
    else if (depth === 0 && isWord(t, keyword)) return i;
  }
  return -1;
}

/** Splits tokens on commas outside parentheses. */
export function splitTopLevel(tokens: Token[]): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (isPunct(t, '(')) depth++;
    if (isPunct(t, ')')) depth = Math.max(0, depth - 1);
    if (depth === 0 && isPunct(t, ',')) parts.push([]);
    else parts[parts.length - 1]!.push(t);
  }
  return parts;
}

/**
 * A database pattern at database level: unescaped `_` and `%` are wildcards, `\_` and `\%` are the
 * literal characters (the grant tables compare database names with LIKE).
 */
export function isWildcardPattern(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '_' || c === '%') return true;
  }
  return false;
}

/** The literal name a pattern without wildcards denotes (`app\_db` -> `app_db`). */
export function unescapePattern(pattern: string): string {
  return pattern.replace(/\\(.)/g, '$1');
}

/** Whether a grant's database pattern (LIKE: `_`, `%`, `\\` escapes) matches a database name. */
export function databasePatternMatches(pattern: string, database: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's').test(database);
}

/** Cuts authentication data from a line we keep verbatim (never keep a hash or a plugin string). */
export function redactGrantLine(line: string): string {
  const m = /\s(IDENTIFIED|PASSWORD)\b/i.exec(line);
  return m ? `${line.slice(0, m.index)} ${m[1]!.toUpperCase()} [REDACTED]` : line;
}
