// A refusal of the command line: printed as is (no stack), with its exit code (2: the command or its
// arguments cannot be used as given).
import { AppError } from '../domain/errors.js';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * What the command line says about an unexpected error. A failed query (a PostgreSQL error, which knex
 * prefixes with the statement) is told by its code and PostgreSQL's words, without the SQL.
 */
export function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  if (!(err instanceof AppError) && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code))
    return `a database query failed (PostgreSQL ${code}): ${err.message.split(' - ').pop()}`;
  return err.message;
}
