// Which backticked names a doc check holds to the code, and how (the rules are listed at the top of
// test/docs/docs.unit.test.ts). A span that fits none of the shapes below is a value, a command or an
// expression, and is not checked.
import type { Route } from './codeNames.js';

export interface Code {
  files: ReadonlySet<string>;
  basenames: ReadonlySet<string>;
  names: ReadonlySet<string>;
  routes: readonly Route[];
}

const pathRoots = /^(src|docs|migrations|test|bench|scripts|web)\//;
const fileExt = /\.(ts|tsx|mjs|js|md|sql|json|yml|yaml|sh|css|html)$/;
const ident = '[A-Za-z_$][\\w$]*';
const call = new RegExp(`^(${ident}(?:\\.${ident})*)\\(.*\\)$`);
const dotted = new RegExp(`^[a-z]\\w*(?:\\.${ident})+$`);
const camel = /^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+$/;
const pascal = /^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+$/;
const upperSnake = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;
/**
 * Names of other software that docs name in backticks: they are not in this code, and that is right.
 * Keep it short; each with where it comes from.
 */
const external = new Set([
  'RateLimit', // the IETF RateLimit header express-rate-limit sends (standardHeaders: 'draft-8')
  'PASSWORD_LIFE_TIME', // a MariaDB password-expiry profile setting
  'cronMonitorIntervalSeconds', // a pg-boss option (its default is used)
]);

const route = /^(GET|POST|PUT|PATCH|DELETE)\s+(\S+)$/;

/** A path segment written as a parameter: {id}, :id, $S, <id>. */
const isParam = (s: string) => /^(\{[\w-]+\}|:\w+|\$\w+|\$\{\w+\}|<[\w-]+>)$/.test(s);

/**
 * A doc's route path as a pattern over route paths: a parameter matches a route parameter only, `...`
 * stands for one or more segments (a leading one for the start of the path), `a|b` for either.
 */
function routePattern(docPath: string): RegExp {
  const segs = docPath.split('/').filter(Boolean);
  const lead = segs[0] === '...' ? (segs.shift(), '(?:/[^/]+)*') : '';
  const body = segs
    .map((seg) => {
      if (seg === '...') return '(?:/[^/]+)+';
      if (isParam(seg)) return '/:[^/]+';
      return `/(?:${seg
        .split('|')
        .map((a) => escape(a))
        .join('|')})`;
    })
    .join('');
  return new RegExp(`^${lead}${body}$`);
}

const cleanPath = (p: string) =>
  p
    .replace(/[?#].*$/, '')
    .replace(/^\/api\/v1(?=\/|$)/, '')
    .replace(/\/$/, '');

/** Why a span names something the code does not have, or undefined when it exists (or is not a name). */
export function missingName(text: string, code: Code): string | undefined {
  if (external.has(text)) return undefined;
  const r = route.exec(text);
  if (r) {
    const [, method, raw] = r;
    if (!raw!.startsWith('/') && !raw!.startsWith('.') && !raw!.startsWith('…')) return undefined;
    // The web console's pages and the metrics endpoint are not under /api/v1.
    if (!raw!.startsWith('/api/v1') && /^\/(metrics|login|app)\b/.test(raw!)) return undefined;
    const p = cleanPath(raw!.replace(/\\\|/g, '|'));
    const alternatives = expandAlternatives(p);
    const missing = alternatives.filter(
      (alt) => !code.routes.some((rt) => rt.method === method && routePattern(alt).test(rt.path)),
    );
    return missing.length ? `no route ${method} ${missing.join(', ')}` : undefined;
  }
  const file = text.replace(/:\d+(-\d+)?$/, '').replace(/#.*$/, '');
  if (pathRoots.test(file)) {
    if (/[*{<]/.test(file)) {
      const re = globRegExp(file.replace(/\/$/, '/**'));
      return [...code.files].some((f) => re.test(f)) ? undefined : `no file matches ${file}`;
    }
    const bare = file.replace(/\/$/, '');
    const isDir = [...code.files].some((f) => f.startsWith(`${bare}/`));
    return code.files.has(bare) || isDir ? undefined : `no file ${bare}`;
  }
  if (!file.includes('/') && !file.includes(' ') && fileExt.test(file) && /^[\w.-]+$/.test(file))
    return code.basenames.has(file) ? undefined : `no file named ${file}`;
  // Dotted names with a snake_case part are SQL (`mysql.tables_priv`) or files (`pg_hba.conf`).
  const c = call.exec(text) ?? (dotted.test(text) && !text.includes('_') ? [text, text] : undefined);
  if (c) {
    const missing = c[1].split('.').filter((n) => !code.names.has(n));
    return missing.length ? `no ${missing.join(', ')} in the code` : undefined;
  }
  if (camel.test(text) || pascal.test(text) || upperSnake.test(text))
    return code.names.has(text) ? undefined : `no ${text} in the code`;
  return undefined;
}

/** `/a/{x,y}/b` names two paths when the braces hold a comma (a parameter otherwise). */
function expandAlternatives(p: string): string[] {
  const m = /\{([^{}/]*,[^{}/]*)\}/.exec(p);
  if (!m) return [p];
  return m[1]!.split(',').flatMap((alt) => expandAlternatives(p.replace(m[0], alt)));
}

function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '{') {
      const end = glob.indexOf('}', i);
      re += `(${glob
        .slice(i + 1, end)
        .split(',')
        .map(escape)
        .join('|')})`;
      i = end;
    } else if (ch === '<') {
      // `<name>` is a placeholder for one name: some file must fill it.
      i = glob.indexOf('>', i);
      re += '[^/]+';
    } else re += escape(ch);
  }
  return new RegExp(`^${re}$`);
}

const escape = (s: string) => s.replace(/[.+?^$()|[\]\\]/g, '\\$&');
