// What the code calls things, for the doc checks: the repository's files, every name its TypeScript
// declares or uses (identifiers, and the words of its string literals: event types, message codes,
// environment variables live there), and the API's routes as the route definitions mount them.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { repoRoot } from './markdown.js';

/** Tracked and new (not ignored) files, repo-relative: a doc may name a file written in the same change. */
export function repoFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return out.split('\0').filter(Boolean);
}

const codeDirs = /^(src|test|scripts|bench|web|migrations)\//;
const codeExt = /\.(ts|tsx|mts|mjs|js)$/;

/**
 * Names in code, comments left out: a renamed function leaves its old name in a stale comment, and the
 * check must still fail.
 */
export function codeNames(files: readonly string[]): Set<string> {
  const names = new Set<string>();
  const words = (s: string) => {
    for (const w of s.matchAll(/[A-Za-z_$][\w$]*/g)) names.add(w[0]);
  };
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true);
  for (const file of files) {
    if (!codeDirs.test(file) || !codeExt.test(file) || file.includes('/dist/')) continue;
    // The scanner, not the parser: tokens without comments (skipTrivia) are all the check needs, and
    // scanning is several times faster. Template text between `}` and a backtick is scanned as code;
    // its words are wanted either way.
    scanner.setText(readFileSync(path.join(repoRoot, file), 'utf8'));
    scanner.setLanguageVariant(file.endsWith('.tsx') ? ts.LanguageVariant.JSX : ts.LanguageVariant.Standard);
    for (let t = scanner.scan(); t !== ts.SyntaxKind.EndOfFileToken; t = scanner.scan()) {
      if (t === ts.SyntaxKind.Identifier || t === ts.SyntaxKind.PrivateIdentifier)
        names.add(scanner.getTokenValue());
      else if (
        t === ts.SyntaxKind.StringLiteral ||
        t === ts.SyntaxKind.NoSubstitutionTemplateLiteral ||
        t === ts.SyntaxKind.TemplateHead
      )
        words(scanner.getTokenValue());
    }
  }
  return names;
}

export interface Route {
  method: string;
  /** Under /api/v1, path parameters as `:name`. */
  path: string;
}

/**
 * The mounted routes, read from createApp over stand-in dependencies: route factories only keep their
 * dependencies for the handlers, which never run here, so a proxy that answers every property will do.
 */
export async function apiRoutes(): Promise<Route[]> {
  const { createApp } = await import('../../../src/api/app.js');
  const { loadConfig } = await import('../../../src/config.js');
  const { createLogger } = await import('../../../src/logger.js');
  const stub = (): unknown =>
    new Proxy(function stand() {}, {
      get: (_t, p) => (p === 'then' ? undefined : stub()),
      apply: () => stub(),
    });
  const real: Record<string, unknown> = {
    config: loadConfig({ DATABASE_URL: 'postgres://127.0.0.1/doccheck' }),
    logger: createLogger({ level: 'silent' }),
    webDir: path.join(repoRoot, 'dist/web'),
    version: '0.0.0',
  };
  const deps = new Proxy(real, { get: (t, p: string) => (p in t ? t[p] : stub()) });
  const { routes } = createApp(deps as unknown as Parameters<typeof createApp>[0]);
  return routes.map((r) => ({ method: r.method.toUpperCase(), path: r.path }));
}
