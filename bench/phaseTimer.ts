// Where a session's time goes: the session runner's dependencies with every event store call (named by
// stream category), every engine adapter call and the advisory-lock connection timed. Nothing else
// changes: the calls go to the same store, adapters and pool. At concurrency 1 the phases add up to the
// wall time but for what is not wrapped (credential read and decryption, decisions, scheduling), which
// the summary shows as the remainder.
import { performance } from 'node:perf_hooks';
import { createEngineAdapter } from '../src/adapters/engines/index.js';
import type { SessionRunDeps } from '../src/commands/sync/runSession.js';
import type { TimedSession } from './timeSession.js';

interface Phase {
  ms: number;
  calls: number;
}

/** Wraps the functions of `target` that `nameOf` names; the others are left as they are. */
function timed<T extends object>(
  target: T,
  record: (name: string, ms: number) => void,
  nameOf: (prop: string, args: unknown[]) => string | undefined,
): T {
  return new Proxy(target, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop, t);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const name = typeof prop === 'string' ? nameOf(prop, args) : undefined;
        const started = performance.now();
        const result: unknown = value.apply(t, args);
        if (name === undefined || !(result instanceof Promise)) return result;
        return result.finally(() => record(name, performance.now() - started));
      };
    },
  });
}

const category = (streamId: unknown) => (typeof streamId === 'string' ? streamId.split('-')[0] : '?');

export function phaseTimer(deps: SessionRunDeps) {
  let phases = new Map<string, Phase>();
  const record = (name: string, ms: number) => {
    const p = phases.get(name) ?? { ms: 0, calls: 0 };
    p.ms += ms;
    p.calls += 1;
    phases.set(name, p);
  };
  const store = timed(deps.store, record, (prop, args) =>
    prop === 'append' || prop === 'readStream' ? `${prop} ${category(args[0])}-*` : undefined,
  );
  // The pool is only the session runner's for its advisory locks: the store has its own reference.
  const pool = timed(deps.pool, record, (prop) => (prop === 'connect' ? 'lock: pool connect' : undefined));
  const adapterFor: SessionRunDeps['adapterFor'] = (row, params) =>
    timed(
      deps.adapterFor?.(row, params) ?? createEngineAdapter(params, deps.engineOptions),
      record,
      (prop) => `engine ${row.dbType} ${prop}`,
    );
  return {
    deps: { ...deps, store, pool, adapterFor } satisfies SessionRunDeps,
    /** The phases timed since the last call, as report lines about `run`. */
    take(run: TimedSession): string[] {
      const taken = [...phases].sort(([, a], [, b]) => b.ms - a.ms);
      phases = new Map();
      const perInstance = (ms: number) => (ms / run.instances).toFixed(2);
      const lines = taken.map(
        ([name, p]) =>
          `  ${name}: ${perInstance(p.ms)} ms/instance = ${(p.ms / p.calls).toFixed(2)} ms/call ` +
          `x ${(p.calls / run.instances).toFixed(2)} calls/instance`,
      );
      const wallMs = run.wallSec * 1000;
      if (run.concurrency === 1) {
        const rest = wallMs - taken.reduce((sum, [, p]) => sum + p.ms, 0);
        lines.push(`  the rest (not wrapped): ${perInstance(rest)} ms/instance`);
      }
      const head =
        run.concurrency === 1
          ? `where time goes at concurrency 1 (${perInstance(wallMs)} ms/instance wall):`
          : `time per instance at concurrency ${run.concurrency} (calls overlap; ${perInstance(wallMs)} ms/instance wall):`;
      return [head, ...lines];
    },
  };
}
