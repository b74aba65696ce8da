// The error a call throws, for tests that look at more than its message.
import type { AppError } from '../../src/domain/errors.js';

export const caught = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected an error');
};

/** The error a promise rejects with (a command's refusal). */
export const refusal = async (p: Promise<unknown>): Promise<AppError> => {
  try {
    await p;
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected a refusal');
};
