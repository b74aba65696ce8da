// A V8 CPU profile of this process over part of a benchmark (the measured part, not the data generation):
// set BENCH_CPU_PROFILE=dir, call startProfile() before and stop(name) after; open the file in Chrome
// DevTools (Performance) or any .cpuprofile viewer. Without BENCH_CPU_PROFILE startProfile() does nothing.
import fs from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

/** BENCH_CPU_PROFILE: a V8 CPU profile of this process from now until stop(), written as <dir>/<what>.cpuprofile. */
export async function startProfile() {
  const dir = process.env.BENCH_CPU_PROFILE;
  if (!dir) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(what: string) {
      const { profile } = await session.post('Profiler.stop');
      await fs.mkdir(dir, { recursive: true });
      const file = path.join(dir, `${what.replace(/[^a-z0-9]+/gi, '-')}.cpuprofile`);
      await fs.writeFile(file, JSON.stringify(profile));
      session.disconnect();
      process.stderr.write(`  CPU profile: ${file}\n`);
    },
  };
}
