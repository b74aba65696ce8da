// GET /metrics in the Prometheus text format, at the root (not under /api/v1): off unless METRICS_TOKEN is
// set (then nothing is mounted and /metrics is a 404 like every unknown path), and then only for
// `Authorization: Bearer <METRICS_TOKEN>` (compared in constant time; else 401 in the error envelope). One
// registry per app (never prom-client's global one): the process's default metrics, the HTTP request
// histogram, whalefall's own metrics (domainMetrics.ts). Scrapes that arrive together share one reading.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Express, Request } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { AppError } from '../../domain/errors.js';
import type { ApiDeps } from '../deps.js';
import { domainMetrics } from './domainMetrics.js';
import { httpRequestDuration, observeRequests } from './httpMetrics.js';

export const METRICS_PATH = '/metrics';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Whether the request carries the token; both sides hashed first, so neither length nor content leaks. */
export function presentsToken(req: Pick<Request, 'headers'>, token: string): boolean {
  const header = req.headers.authorization;
  const match = header === undefined ? null : /^Bearer (\S+)$/.exec(header.trim());
  const presented = match?.[1] ?? '';
  return timingSafeEqual(digest(presented), digest(token)) && presented.length > 0;
}

/** Mounts the request histogram and GET /metrics on the app when METRICS_TOKEN is set; else nothing. */
export function installMetrics(app: Express, deps: ApiDeps): Registry | undefined {
  const token = deps.config.metricsToken;
  if (token === undefined) return undefined;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  app.use(observeRequests(httpRequestDuration(registry)));
  const domain = domainMetrics(registry, deps);

  let reading: Promise<string> | undefined;
  const scrape = () => {
    reading ??= (async () => {
      await domain.refresh();
      return registry.metrics();
    })().finally(() => {
      reading = undefined;
    });
    return reading;
  };

  app.get(METRICS_PATH, async (req, res) => {
    if (!presentsToken(req, token)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      const reason = req.headers.authorization === undefined ? 'no credentials' : 'wrong metrics token';
      throw new AppError(
        'AUTHENTICATION_REQUIRED',
        'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.',
        { reason },
      );
    }
    const body = await scrape();
    res.status(200).set('Cache-Control', 'no-store').type(registry.contentType).send(body);
  });
  return registry;
}
