// The one error base class: every failure we expect carries a message code from the catalog.
import { messageCodes, type MessageCode } from './messageCodes.js';

export class AppError extends Error {
  readonly status: number;
  readonly recoverable: boolean;

  constructor(
    readonly code: MessageCode,
    message?: string,
    /** Safe to show to the caller: no secrets, no internals. */
    readonly context?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message ?? messageCodes[code].message, options);
    this.name = 'AppError';
    this.status = messageCodes[code].status;
    this.recoverable = messageCodes[code].recoverable;
  }
}

export const notFound = (what: string, id: string): AppError =>
  new AppError('RESOURCE_NOT_FOUND', `${what} ${id} does not exist`, { resource: what, id });

/** The message of anything thrown (an Error's message, else the value as text). */
export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
