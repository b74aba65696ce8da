// Every request gets an id (X-Request-Id from the caller when well-formed, else a new one), echoed back
// and used as the error_id of any error answer, so a caller's report leads straight to the log line.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const wellFormed = /^[A-Za-z0-9._-]{8,64}$/;

export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && wellFormed.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/** The id pino-http gave this request. */
export const requestIdOf = (req: { id?: unknown }): string =>
  typeof req.id === 'string' ? req.id : 'unknown';
