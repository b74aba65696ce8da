import type { Request } from 'express';

/** A string field of the raw (not yet validated) JSON body, or '' (used before validation, e.g. by rate limiters). */
export const bodyString = (req: Request, field: string): string => {
  const value = (req.body as Record<string, unknown> | undefined)?.[field];
  return typeof value === 'string' ? value : '';
};
