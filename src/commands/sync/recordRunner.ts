// The attempts of one record, once its first attempt has started (InstanceSyncStarted appended): each
// attempt under its deadline and fence, the outcome appended for that attempt only, and retries within
// the run (each attempt an event; the record waits in `retrying`, its lease covering the backoff). Session
// runs and operators' retries both end their records here, with the same error mapping.
import type { FencedStore } from '../../adapters/eventStore/fencedStore.js';
import { FencedAppendError } from '../../adapters/eventStore/port.js';
import { AppError, errorMessage } from '../../domain/errors.js';
import { isEndStatus, type RecordStatus } from '../../domain/sessions/decider.js';
import { sessionStream } from '../../domain/sessions/events.js';
import type { Logger } from '../../logger.js';
import { runAttempt, type AttemptWork, type Phase, type WorkPhase } from './attempt.js';
import { RunAborted } from './processSessions.js';
import { startedIn, type Executed, type SessionWriter, type WriterCommand } from './sessionWriter.js';
import { PhaseError } from './phaseError.js';
import { sleep } from './timing.js';

/** How long a record may stay running before the recovery pass may abandon it: its deadline plus a margin. */
export const leaseFor = (deadlineMs: number): number => deadlineMs + Math.min(60_000, deadlineMs);

export interface RecordRun {
  writer: SessionWriter;
  instanceId: string;
  /** What the session is of (for the log). */
  category: string;
  work: AttemptWork;
  /** The InstanceSyncStarted of the first attempt (the fence of its appends). */
  started: { eventId: string; attempt: number };
  deadlineMs: number;
  /** Attempts within this run, the first included. */
  attempts: number;
  /** Backoff before the second attempt, doubled after each failure. */
  backoffMs: number;
  startPhase: WorkPhase;
  /** This process (InstanceSyncStarted.owner of the next attempts). */
  owner: string | undefined;
  /** Aborted when the process stops. */
  signal: AbortSignal;
}

export interface Failure {
  phase: Phase;
  messageCode: string;
  message: string;
}

/** The error mapping of every attempt: its phase and message code. */
export function failureOf(err: unknown): Failure {
  return {
    phase: err instanceof PhaseError ? err.phase : 'other',
    messageCode:
      err instanceof PhaseError
        ? err.messageCode
        : err instanceof AppError
          ? err.code
          : 'TASK_EXECUTION_FAILED',
    message: errorMessage(err).slice(0, 4000),
  };
}

/**
 * Runs the record's attempts until one succeeds or none is left, and ends the record. Throws only when its
 * outcome could not be appended (see logOutcomeNotRecorded).
 */
export async function runRecord(deps: { store: FencedStore; logger: Logger }, run: RecordRun): Promise<void> {
  const { writer, instanceId, deadlineMs } = run;
  const { sessionId } = writer;
  const end = (command: WriterCommand) => writer.execute(command);
  let current = run.started;
  for (let n = 1; ; n++) {
    const ref = { instanceId, attempt: current.attempt };
    let result;
    try {
      result = await runAttempt(run.work, {
        store: deps.store,
        fence: { stream: sessionStream(sessionId), key: instanceId, eventId: current.eventId },
        deadlineMs,
        startPhase: run.startPhase,
        signal: run.signal,
        logger: deps.logger,
        ids: { sessionId, ...ref },
      });
    } catch (err) {
      // Fenced: the record ended elsewhere (runAttempt logged it). Aborted: stop() ended it.
      if (err instanceof FencedAppendError || err instanceof RunAborted) return;
      // An exception must never leave the record running (docs/defects.md#defect-2).
      const failure = failureOf(err);
      deps.logger.warn(
        { err, sessionId, ...ref, phase: failure.phase },
        `instance ${run.category} sync failed`,
      );
      if (n >= run.attempts) return void (await end({ type: 'FailRecord', ...ref, ...failure }));
      // A failed instance is retried within the run, each attempt an event (docs/defects.md#defect-3);
      // the record waits in `retrying` (the session stays running), its lease covering the backoff.
      const backoff = run.backoffMs * 2 ** (n - 1);
      const leaseMs = leaseFor(deadlineMs);
      await end({ type: 'FailAttempt', ...ref, ...failure, retryInMs: backoff, now: new Date(), leaseMs });
      await sleep(backoff, run.signal);
      if (run.signal.aborted) return;
      const retried = await end({
        type: 'RetryRecord',
        instanceId,
        phase: failure.phase,
        now: new Date(),
        leaseMs,
        inRun: true,
        ...(run.owner ? { owner: run.owner } : {}),
      });
      current = startedIn(retried, instanceId);
      continue;
    }
    if ('skipped' in result) await end({ type: 'SkipRecord', ...ref, reason: result.skipped });
    else await end({ type: 'CompleteRecord', ...ref, ...result });
    return;
  }
}

/** When an attempt opens: what its opening command says (InstanceSyncStarted's lease and owner). */
export interface Opening {
  now: Date;
  leaseMs: number;
  owner?: string;
}

/**
 * The one attempt runner of every category and every retry: opens the record's attempt with the commands
 * `open` gives (StartRecord; a compensation and RetryRecord), then runs the work under its deadline, lease
 * and fence to the record's end. Resolves once the attempt is open (a refusal rejects), with `done`, the
 * rest: it rejects only when the outcome could not be appended (see logOutcomeNotRecorded).
 */
export async function runInstanceAttempt(
  deps: { store: FencedStore; logger: Logger },
  run: Omit<RecordRun, 'started'> & { open: (opening: Opening) => WriterCommand[] },
): Promise<{ opened: Executed; done: Promise<void> }> {
  const { open, ...record } = run;
  const opened = await run.writer.executeAll(
    open({ now: new Date(), leaseMs: leaseFor(run.deadlineMs), ...(run.owner ? { owner: run.owner } : {}) }),
  );
  const started = startedIn(opened, run.instanceId);
  return { opened, done: runRecord(deps, { ...record, started }) };
}

/**
 * The outcome of an instance could not be appended. Refused because the record moved on meanwhile (a
 * cancel or an abandon ended it, an operator's retry took it over): nothing is wrong, and the outcome is
 * dropped. Anything else (the store unreachable) leaves the record open for the recovery pass.
 */
export function logOutcomeNotRecorded(
  logger: Logger,
  err: unknown,
  ids: { sessionId: string; instanceId: string },
): void {
  const status =
    err instanceof AppError && err.code === 'CONSTRAINT_VIOLATION' ? err.context?.record_status : undefined;
  if (typeof status !== 'string')
    logger.error({ err, ...ids }, 'could not record the outcome; the recovery pass will abandon the record');
  else if (isEndStatus(status as RecordStatus))
    logger.info({ ...ids, status }, `record already ended (${status}): outcome of this attempt dropped`);
  else logger.info({ ...ids, status }, `record is ${status} elsewhere: outcome of this attempt dropped`);
}
