// How the CLI meets SIGINT/SIGTERM: the first one stops the work in hand in order, a second one exits at once.

export const exitCodeOf = (signal: NodeJS.Signals) => (signal === 'SIGINT' ? 130 : 143);

/**
 * The first SIGINT/SIGTERM resolves `signalled` (the caller then stops its work); a second one exits at
 * once. `disarm()` removes the handlers.
 */
export function interruptions() {
  let resolve: (signal: NodeJS.Signals) => void = () => undefined;
  const signalled = new Promise<NodeJS.Signals>((r) => (resolve = r));
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) process.exit(exitCodeOf(signal));
    received = signal;
    resolve(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signalled,
    disarm: () => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    },
  };
}

/** Resolves on the first SIGINT/SIGTERM; a second one exits at once. */
export const untilSignal = (): Promise<NodeJS.Signals> => interruptions().signalled;
