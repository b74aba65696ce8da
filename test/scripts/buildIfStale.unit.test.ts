// `npm start` compiles only when a source changed since its last build: run the script on a copy of the
// layout it expects, with a stand-in compiler that counts its runs.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');
let root: string;

const runs = async () =>
  (await fs.readFile(path.join(root, 'tsc-runs'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
const prestart = () =>
  promisify(execFile)(process.execPath, [path.join(root, 'scripts', 'buildIfStale.mjs')]);

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'whalefall-prestart-'));
  await fs.mkdir(path.join(root, 'scripts'));
  await fs.copyFile(
    path.join(repoRoot, 'scripts', 'buildIfStale.mjs'),
    path.join(root, 'scripts', 'buildIfStale.mjs'),
  );
  await fs.mkdir(path.join(root, 'src'));
  await fs.writeFile(path.join(root, 'src', 'cli.ts'), 'export {};\n');
  await fs.mkdir(path.join(root, 'node_modules', 'typescript', 'bin'), { recursive: true });
  // The stand-in for tsc: records the run and writes the entry point, as a build would.
  await fs.writeFile(
    path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
    `const fs = require('node:fs');
fs.appendFileSync('tsc-runs', process.argv.slice(2).join(' ') + '\\n');
fs.mkdirSync('dist/src', { recursive: true });
fs.writeFileSync('dist/src/cli.js', '');
`,
  );
  await fs.writeFile(path.join(root, 'package.json'), '{}\n');
  await fs.writeFile(path.join(root, 'node_modules', 'typescript', 'package.json'), '{"type":"commonjs"}\n');
});
afterEach(() => fs.rm(root, { recursive: true, force: true }));

describe('npm start (prestart)', () => {
  it('is what npm start runs first', async () => {
    const pkg = JSON.parse(await fs.readFile(path.join(repoRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.prestart).toBe('node scripts/buildIfStale.mjs');
  });

  it('builds once, skips while dist/ is current, and builds again when a source changes', async () => {
    await prestart();
    expect(await runs()).toBe(1);
    await prestart();
    await prestart();
    expect(await runs()).toBe(1);

    const later = new Date(Date.now() + 5_000);
    await fs.utimes(path.join(root, 'src', 'cli.ts'), later, later);
    await prestart();
    expect(await runs()).toBe(2);
  });

  it('builds again after a deleted dist/', async () => {
    await prestart();
    await fs.rm(path.join(root, 'dist'), { recursive: true });
    await prestart();
    expect(await runs()).toBe(2);
  });
});
