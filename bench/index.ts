// Entry for `npm run bench -- <name> [args...]`. Add a benchmark with one line in `benchmarks`: a module
// that exports run(ctx: BenchContext) and, for the usage text, a one-line `about`.
import type { BenchContext } from './support.js';

interface Benchmark {
  run(ctx: BenchContext): Promise<void>;
  about?: string;
}

const benchmarks: Record<string, () => Promise<Benchmark>> = {
  append: () => import('./append.js'),
  rebuild: () => import('./rebuild.js'),
  'account-sync': () => import('./accountSync.js'),
  capacity: () => import('./capacity.js'),
  aggregate: () => import('./aggregate.js'),
  classify: () => import('./classify.js'),
  tags: () => import('./tags.js'),
  workers: () => import('./workers.js'),
  'big-session': () => import('./bigSession.js'),
  api: () => import('./api.js'),
};

async function usage(problem: string): Promise<void> {
  const width = Math.max(...Object.keys(benchmarks).map((n) => n.length));
  const list = await Promise.all(
    Object.entries(benchmarks).map(
      async ([name, load]) => `  ${name.padEnd(width)}  ${(await load()).about ?? ''}`,
    ),
  );
  process.stderr.write(
    `${problem}\n\nusage: npm run bench -- <name> [args...]\n\nbenchmarks:\n${list.join('\n')}\n`,
  );
}

const [name, ...args] = process.argv.slice(2);
const benchmark =
  name === undefined ? undefined : Object.hasOwn(benchmarks, name) ? benchmarks[name] : undefined;
if (!benchmark) {
  await usage(name === undefined ? 'no benchmark name given' : `unknown benchmark '${name}'`);
  process.exitCode = 2;
} else {
  try {
    const mod = await benchmark();
    await mod.run({ args });
  } catch (err) {
    process.stderr.write(
      `bench ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  }
}
