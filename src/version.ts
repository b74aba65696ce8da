// The package's root folder and version, found by walking up from this file (the same from src/ and from
// dist/src/).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The folder holding package.json (the repository, or the installed package). */
export function packageRoot(): string | undefined {
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

export function packageVersion(): string {
  const root = packageRoot();
  if (!root) return '0.0.0';
  return (
    (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string }).version ??
    '0.0.0'
  );
}
