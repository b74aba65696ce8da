// How a record's work fails: in the phase it reached, with a message code. An engine's failure keeps the
// engine's code; anything else is TASK_EXECUTION_FAILED.
import { EngineError } from '../../adapters/engines/port.js';
import { errorMessage } from '../../domain/errors.js';

export class PhaseError extends Error {
  constructor(
    readonly phase: 'connect' | 'inventory' | 'permissions' | 'sizes' | 'aggregate',
    readonly messageCode: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PhaseError';
  }
}

/** The message code of a failure inside a phase. */
export const engineCode = (err: unknown): string =>
  err instanceof EngineError ? err.code : 'TASK_EXECUTION_FAILED';

/** `err`, thrown inside `phase`, as the PhaseError that fails the record there. */
export const failedIn = (phase: PhaseError['phase'], err: unknown): PhaseError =>
  new PhaseError(phase, engineCode(err), errorMessage(err), { cause: err });
