// Waiting that a stop (an AbortSignal) ends early: the projection runner's loops.

/** Waits for `work` or the signal, and removes its listener afterwards (the signal lives as long as the runner). */
export async function untilAborted(signal: AbortSignal, work: Promise<unknown>): Promise<void> {
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([work, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** Waits ms, or until aborted, or until the function handed to `onWake` is called. */
export const sleep = (ms: number, signal: AbortSignal, onWake?: (wake: () => void) => void) => {
  let timeout: NodeJS.Timeout | undefined;
  return untilAborted(
    signal,
    new Promise<void>((resolve) => {
      timeout = setTimeout(resolve, ms);
      onWake?.(resolve);
    }),
  ).finally(() => clearTimeout(timeout));
};
