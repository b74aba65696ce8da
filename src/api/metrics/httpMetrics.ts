// http_request_duration_seconds: every answered request by method, route and status. The route is the
// pattern Express matched, with its router's mount path (`/api/v1/instances/:id`), never the URL: ids,
// query strings and probes of unknown paths would make a series each. A request no route matched (a 404,
// a static file, a 503 of the database gate) is `unmatched`.
import type { RequestHandler } from 'express';
import { Histogram, type Registry } from 'prom-client';

export const UNMATCHED_ROUTE = 'unmatched';

const methods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** The method, or OTHER: Node accepts dozens of methods, and a label should not grow with what clients try. */
export const methodLabel = (method: string) => (methods.has(method) ? method : 'OTHER');

type Label = 'method' | 'route' | 'status';

export function httpRequestDuration(registry: Registry): Histogram<Label> {
  return new Histogram<Label>({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
}

/**
 * Observes each request when its answer is sent. Express sets `req.route` when a route matches, while
 * `req.baseUrl` is that route's router mount path; an error thrown by the handler is answered after the
 * router has restored `baseUrl`, so both are read at the moment the route is set.
 */
export function observeRequests(histogram: Histogram<Label>): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    let route: unknown;
    let pattern: string | undefined;
    Object.defineProperty(req, 'route', {
      configurable: true,
      enumerable: true,
      get: () => route,
      set(value: unknown) {
        route = value;
        const path = (value as { path?: unknown } | undefined)?.path;
        if (typeof path === 'string') pattern = `${req.baseUrl}${path}`;
      },
    });
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      histogram.observe(
        {
          method: methodLabel(req.method),
          route: pattern ?? UNMATCHED_ROUTE,
          status: String(res.statusCode),
        },
        seconds,
      );
    });
    next();
  };
}
