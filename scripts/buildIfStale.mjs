// `npm start` runs this first: it compiles (tsc -p tsconfig.build.json, then the web console with vite
// when web/ is there) only when a source file is newer than the last build it made, so a second start
// does not spend seconds rebuilding an unchanged dist/.
// The stamp is written after a successful build only: a failed build is tried again next time.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';

const root = path.resolve(import.meta.dirname, '..');
const stamp = path.join(root, 'dist', '.build-stamp');
const inputs = ['src', 'migrations', 'web', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
const webConfig = path.join(root, 'web', 'vite.config.ts');
const hasWeb = fs.existsSync(webConfig);

/** The newest modification time under `p` (a file or a directory), skipping tests. */
function newest(p) {
  const stat = fs.statSync(p, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return /\.test\.ts$/.test(p) ? 0 : stat.mtimeMs;
  let latest = stat.mtimeMs; // a deleted or renamed file changes its directory
  for (const entry of fs.readdirSync(p)) latest = Math.max(latest, newest(path.join(p, entry)));
  return latest;
}

const built = fs.statSync(stamp, { throwIfNoEntry: false })?.mtimeMs ?? 0;
const changed = Math.max(...inputs.map((i) => newest(path.join(root, i))));
const outputs = [
  path.join(root, 'dist', 'src', 'cli.js'),
  ...(hasWeb ? [path.join(root, 'dist', 'web', 'index.html')] : []),
];
if (built > changed && outputs.every((o) => fs.existsSync(o))) process.exit(0);

const startedAt = new Date(); // a source saved during the build is newer than the stamp: next start builds
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
if (result.status !== 0) process.exit(result.status ?? 1);
if (hasWeb) {
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const web = spawnSync(process.execPath, [vite, 'build', '--config', webConfig, '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (web.status !== 0) process.exit(web.status ?? 1);
}
fs.writeFileSync(stamp, `${startedAt.toISOString()}\n`);
fs.utimesSync(stamp, startedAt, startedAt);
