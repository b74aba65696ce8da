// While the service's PostgreSQL is known to be unavailable (the monitor's probe fails, or the embedded
// server exited and is being restarted), requests that need it answer 503 DATABASE_UNAVAILABLE at once
// instead of waiting on a pool. Requests already in flight when it goes away are answered the same way
// the moment the monitor notices, so none hangs on a stopped server; their handlers' late results are
// dropped. Liveness, readiness and the API document do not need the database and pass.
import type { RequestHandler, Response } from 'express';
import type { DatabaseMonitor, DatabaseState } from '../../adapters/db/databaseMonitor.js';
import type { MessageCode } from '../../domain/messageCodes.js';
import { errorBody, markAnsweredEarly } from './errors.js';
import { requestIdOf } from './requestId.js';

const CODE: MessageCode = 'DATABASE_UNAVAILABLE';
const IN_FLIGHT =
  'The database stopped answering while this request was in progress; a change it asked for may or may not have been saved.';

const passes = (path: string) =>
  path === '/health/ping' || path === '/health/ready' || path === '/openapi.json' || path.startsWith('/docs');

export function databaseGate(monitor: DatabaseMonitor): RequestHandler {
  const inFlight = new Set<Response>();
  const answer = (res: Response, state: DatabaseState, message?: string) => {
    markAnsweredEarly(res);
    res
      .status(503)
      .set('Retry-After', '1')
      .json(
        errorBody(CODE, requestIdOf(res.req), message, {
          status: 'degraded',
          reasons: [state.reason ?? 'the database is unavailable'],
        }),
      );
  };
  monitor.onChange((state) => {
    if (state.available) return;
    for (const res of [...inFlight]) {
      inFlight.delete(res);
      if (!res.headersSent) answer(res, state, IN_FLIGHT);
    }
  });

  return (req, res, next) => {
    if (passes(req.path)) return next();
    const state = monitor.current;
    if (!state.available) return answer(res, state);
    inFlight.add(res);
    const forget = () => inFlight.delete(res);
    res.once('finish', forget);
    res.once('close', forget);
    next();
  };
}
