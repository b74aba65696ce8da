// Waiting with a bound: the runner never lets a hanging close, a stalled store or a backoff hold a record
// (or a shutdown) past what it promised.

/** Waits for `work` at most `ms`, then calls `onLate` and resolves; `work` goes on (it must not reject). */
export async function within(
  work: Promise<unknown>,
  ms: number,
  onLate: () => void = () => {},
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      onLate();
      resolve();
    }, ms);
  });
  await Promise.race([work.then(() => undefined), late]).finally(() => clearTimeout(timer));
}

/** Waits for every promise to settle, or `ms`, whichever comes first. */
export const settleWithin = (promises: readonly Promise<unknown>[], ms: number): Promise<void> =>
  within(Promise.allSettled(promises), ms);

/** Sleeps `ms`, or until `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
