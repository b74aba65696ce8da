// One attempt of a record's work: under its deadline (held even when closing the engine adapter hangs),
// through a store fenced by the InstanceSyncStarted that opened the attempt (nothing of it lands once the
// record has ended: deadline, abandon, cancel, shutdown), and knowing the phase it reached, so a deadline
// fails the record in the phase it was in, not in `connect`.
import { createEngineAdapter } from '../../adapters/engines/index.js';
import type { EngineAdapter } from '../../adapters/engines/port.js';
import { fencedStore, type FencedStore } from '../../adapters/eventStore/fencedStore.js';
import { FencedAppendError, type AppendFence } from '../../adapters/eventStore/port.js';
import { AppError, errorMessage } from '../../domain/errors.js';
import type { recordPhases } from '../../domain/sessions/events.js';
import type { Logger } from '../../logger.js';
import type { CommandContext } from '../commandContext.js';
import { directoryOf, type InstanceTarget } from '../connections.js';
import type { SessionRunDeps } from './runSession.js';
import { PhaseError } from './phaseError.js';
import type { SyncResult } from './syncInstanceAccounts.js';
import { within } from './timing.js';

export type Phase = (typeof recordPhases)[number];
/** The phases a work can be in (a failure outside them is phase `other`). */
export type WorkPhase = PhaseError['phase'];
export type AttemptResult = SyncResult | { skipped: string };

export interface AttemptIO {
  /** Every append of the attempt goes through this store. */
  store: FencedStore;
  /** The work tells how far it got (e.g. its inventory is appended: 'permissions'). */
  reached(phase: WorkPhase): void;
  /** Closed when the attempt ends (its engine adapter); the end waits for it at most CLOSE_GRACE_MS. */
  onEnd(close: () => Promise<void>): void;
  /** Aborted at the deadline and when the process stops. */
  signal: AbortSignal;
}

export type AttemptWork = (io: AttemptIO) => Promise<AttemptResult>;

/** The work for one instance on its engine adapter: a result, or a reason to skip it. Throw PhaseError to fail in a phase. */
export type InstanceWork = (input: {
  instance: InstanceTarget;
  adapter: EngineAdapter;
  sessionId: string;
  ctx: CommandContext;
  /** The attempt's fenced store: append through it, never through another. */
  store: FencedStore;
  reached: (phase: WorkPhase) => void;
  /** An operator confirmed a mass deactivation (confirm-inventory). */
  confirmDeactivation?: boolean;
}) => Promise<AttemptResult>;

/** How long the end of an attempt waits for its adapter to close (a peer that never answers can hold close). */
const CLOSE_GRACE_MS = 1000;

/** An engine work as an attempt: the adapter is opened for it and closed when the attempt ends. */
export function onEngine(
  deps: Pick<
    SessionRunDeps,
    'knex' | 'store' | 'keyring' | 'reloadKeyring' | 'engineOptions' | 'adapterFor' | 'instances'
  >,
  target: { instance: InstanceTarget; sessionId: string; ctx: CommandContext; confirmDeactivation?: boolean },
  work: InstanceWork,
): AttemptWork {
  const { instance } = target;
  return async (io) => {
    const params = await directoryOf(deps)
      .connection(instance)
      .catch((err: unknown) => {
        throw new PhaseError(
          'connect',
          err instanceof AppError ? err.code : 'TASK_EXECUTION_FAILED',
          errorMessage(err),
        );
      });
    const adapter = deps.adapterFor
      ? deps.adapterFor(instance, params)
      : createEngineAdapter(params, deps.engineOptions);
    io.onEnd(() => adapter.close());
    return work({ ...target, adapter, store: io.store, reached: (phase) => io.reached(phase) });
  };
}

export interface AttemptOptions {
  store: FencedStore;
  fence: AppendFence;
  deadlineMs: number;
  /** The phase a deadline reports until the work says it got further. */
  startPhase: WorkPhase;
  /** stop() of the process: the attempt ends at once (its record was abandoned). */
  signal: AbortSignal;
  logger: Logger;
  ids: { sessionId: string; instanceId: string; attempt: number };
}

/** Runs one attempt; throws its failure (a PhaseError at the deadline), FencedAppendError, or the stop's reason. */
export async function runAttempt(work: AttemptWork, options: AttemptOptions): Promise<AttemptResult> {
  const { logger, ids } = options;
  const controller = new AbortController();
  const closers: (() => Promise<void>)[] = [];
  let ended = false;
  let phase = options.startPhase;
  const closeOne = (close: () => Promise<void>) =>
    close().catch((err: unknown) => logger.debug({ err, ...ids }, 'closing the engine adapter failed'));
  let closing: Promise<unknown> | undefined;
  const closeAll = () => (closing ??= Promise.all(closers.map(closeOne)));
  const io: AttemptIO = {
    store: fencedStore(options.store, options.fence),
    reached: (p) => {
      if (!ended) phase = p;
    },
    onEnd: (close) => {
      if (ended)
        void closeOne(close); // the attempt ended before the work got this far
      else closers.push(close);
    },
    signal: controller.signal,
  };
  const working = work(io);
  // Also once the runner has moved on: a late append refused by the fence is the fence doing its job.
  working.catch((err: unknown) => {
    if (err instanceof FencedAppendError) logger.info({ ...ids }, 'attempt fenced: nothing of it landed');
  });

  let timer: NodeJS.Timeout | undefined;
  let stop = () => {};
  const ends = new Promise<never>((_, reject) => {
    const end = (err: Error) => {
      reject(err);
      controller.abort(err);
    };
    timer = setTimeout(() => {
      const message = `the instance did not finish within its deadline of ${options.deadlineMs} ms`;
      end(new PhaseError(phase, 'DATABASE_TIMEOUT', message));
    }, options.deadlineMs);
    stop = () => end(options.signal.reason as Error);
  });
  options.signal.addEventListener('abort', stop, { once: true });
  if (options.signal.aborted) stop();
  try {
    return await Promise.race([working, ends]);
  } finally {
    ended = true;
    clearTimeout(timer);
    options.signal.removeEventListener('abort', stop);
    await within(closeAll(), CLOSE_GRACE_MS, () =>
      logger.debug(
        ids,
        `the engine adapter did not close within ${CLOSE_GRACE_MS} ms: it goes on closing in the background`,
      ),
    );
  }
}
