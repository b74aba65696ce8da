// The request log: one line per answered request (pino-http) with its method, URL and status only:
// bodies and headers (cookies, tokens) never reach the log. The serializers read the request and the
// response themselves (wrapSerializers off): pino-http's wrappers first copied every header, the query
// and the params of each, and the response's headers, to be dropped at once (about 20 µs a request under
// load; docs/decisions.md "Kept list pages compile once"). Same fields, same values as through them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Options } from 'pino-http';
import type { Logger } from '../logger.js';
import { METRICS_PATH } from './metrics/endpoint.js';
import { requestId } from './middleware/requestId.js';

/**
 * Health probes and metric scrapes come every few seconds: their answers log at debug, not info (a scrape
 * refused for its token still logs as a 401).
 */
const isProbe = (url: string | undefined, status: number) =>
  url !== undefined &&
  (/^\/api\/v1\/health\/(ping|ready)(\?|$)/.test(url) ||
    (url.split('?')[0] === METRICS_PATH && status < 400));

/** Express keeps the URL as received in originalUrl (its routers rewrite req.url on the way). */
const urlOf = (req: { originalUrl?: string; url?: string }) => req.originalUrl || req.url;

export const requestLogOptions = (logger: Logger): Options<IncomingMessage, ServerResponse> => ({
  logger,
  genReqId: requestId,
  // A 503 while the database is away is expected (the monitor logs the outage once, at error).
  customLogLevel: (req, res, err) => {
    if (isProbe(urlOf(req), res.statusCode)) return 'debug';
    if (res.statusCode === 503) return 'warn';
    return err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
  },
  wrapSerializers: false,
  serializers: {
    req: (req: { id: unknown; method: string; originalUrl?: string; url?: string }) => ({
      id: req.id,
      method: req.method,
      url: urlOf(req),
    }),
    // As pino's own response serializer: no status before the headers went out.
    res: (res: { statusCode: number; headersSent?: boolean }) => ({
      statusCode: res.headersSent === false ? null : res.statusCode,
    }),
  },
});
