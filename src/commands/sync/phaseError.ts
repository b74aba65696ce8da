// How a record's work fails: in the phase it reached, with a message code. An engine's failure keeps the
// engine's code; anything else is TASK_EXECUTION_FAILED.
import { EngineError } from '../../adapters/engines/port.js';
import type { Collected } from '../../domain/engines/model.js';
import { errorMessage } from '../../domain/errors.js';

export class PhaseError extends Error {
  constructor(
    readonly phase: 'connect' | 'inventory' | 'permissions' | 'sizes' | 'aggregate' | 'classify' | 'tag',
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

/**
 * An engine's inventory listing (databases, accounts). A listing that failed as a whole, or read nothing
 * but errors, fails the record in phase inventory: an empty inventory would claim everything vanished.
 */
export async function listInventory<T>(
  list: () => Promise<Collected<T>>,
  prefix = '',
): Promise<Collected<T>> {
  let listed;
  try {
    listed = await list();
  } catch (err) {
    throw failedIn('inventory', err);
  }
  if (listed.items.length === 0 && listed.errors.length > 0)
    throw new PhaseError(
      'inventory',
      listed.errors[0]!.code,
      `${prefix}${listed.errors.map((e) => `${e.item}: ${e.message}`).join('; ')}`,
    );
  return listed;
}
