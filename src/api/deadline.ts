// Deadlines for calls a probe must not wait on: /health/ready, /health/detailed and GET /metrics answer in
// bounded time whatever the database does. A call that loses its race is reported, not awaited.
import { performance } from 'node:perf_hooks';
import { errorMessage } from '../domain/errors.js';

/** Resolves with the work's value, or rejects when it takes longer than ms (the work is not awaited). */
export function within<T>(ms: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  const running = work();
  running.catch(() => undefined);
  return Promise.race([running, late]).finally(() => clearTimeout(timer));
}

/** The work's value (or its error) and how long it took, within ms. */
export async function timed<T>(
  ms: number,
  work: () => Promise<T>,
): Promise<{ ok: boolean; latency_ms: number; value?: T; error?: string }> {
  const started = performance.now();
  try {
    const value = await within(ms, work);
    return { ok: true, latency_ms: Math.round(performance.now() - started), value };
  } catch (err) {
    return {
      ok: false,
      latency_ms: Math.round(performance.now() - started),
      error: errorMessage(err),
    };
  }
}
