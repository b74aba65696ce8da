// Label hygiene of http_request_duration_seconds: route patterns with their mount path (also when the
// handler throws and the answer comes from the app's error handler), never raw URLs, ids or query strings;
// unknown paths and methods fold into one value. And the token check of GET /metrics.
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler } from 'express';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presentsToken } from './endpoint.js';
import { httpRequestDuration, methodLabel, observeRequests, UNMATCHED_ROUTE } from './httpMetrics.js';

describe('http_request_duration_seconds labels', () => {
  const registry = new Registry();
  let base: string;
  let close: () => void;

  beforeAll(async () => {
    const app = express();
    app.use(observeRequests(httpRequestDuration(registry)));
    const router = express.Router();
    router.get('/instances/:id', (req, res) => {
      res.json({ id: req.params.id });
    });
    router.get('/boom/:id', () => Promise.reject(new Error('boom')));
    app.use('/api/v1', router);
    app.get('/metrics', (_req, res) => {
      res.send('ok');
    });
    app.use((_req, res) => {
      res.status(404).send('not found');
    });
    const onError: ErrorRequestHandler = (_err, _req, res, _next) => {
      res.status(500).send('error');
    };
    app.use(onError);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(() => close?.());

  /** The label sets of the histogram's _count series. */
  const series = async (): Promise<{ method: string; route: string; status: string; count: number }[]> => {
    const json = await registry.getMetricsAsJSON();
    const metric = json.find((m) => m.name === 'http_request_duration_seconds');
    return (metric?.values ?? [])
      .filter((v) => (v as { metricName?: string }).metricName === 'http_request_duration_seconds_count')
      .map((v) => ({ ...(v.labels as { method: string; route: string; status: string }), count: v.value }));
  };

  it('labels a request with the route pattern and its mount path, one series for every id', async () => {
    for (const id of ['a1', 'b2', 'c3?x=1']) await fetch(`${base}/api/v1/instances/${id}`);
    await fetch(`${base}/metrics?debug=1`);
    const all = await series();
    expect(all).toContainEqual({ method: 'GET', route: '/api/v1/instances/:id', status: '200', count: 3 });
    expect(all).toContainEqual({ method: 'GET', route: '/metrics', status: '200', count: 1 });
    expect(JSON.stringify(all)).not.toMatch(/a1|b2|c3|debug/);
  });

  it('keeps the mount path when the handler throws and the app answers the error', async () => {
    await fetch(`${base}/api/v1/boom/42`);
    expect(await series()).toContainEqual({
      method: 'GET',
      route: '/api/v1/boom/:id',
      status: '500',
      count: 1,
    });
  });

  it('folds paths no route matched into one value, whatever they are', async () => {
    for (const path of ['/nope', '/api/v1/zzz/1', '/api/v1/instances', '/.env'])
      await fetch(`${base}${path}`);
    const unmatched = (await series()).filter((s) => s.route === UNMATCHED_ROUTE);
    expect(unmatched).toEqual([{ method: 'GET', route: UNMATCHED_ROUTE, status: '404', count: 4 }]);
    expect((await series()).map((s) => s.route).sort()).toEqual([
      '/api/v1/boom/:id',
      '/api/v1/instances/:id',
      '/metrics',
      UNMATCHED_ROUTE,
    ]);
  });

  it('keeps the common methods and folds the rest into OTHER', () => {
    expect(['GET', 'POST', 'DELETE', 'PATCH'].map(methodLabel)).toEqual(['GET', 'POST', 'DELETE', 'PATCH']);
    expect(['PROPFIND', 'MKCOL', 'SEARCH'].map(methodLabel)).toEqual(['OTHER', 'OTHER', 'OTHER']);
  });
});

describe('the metrics token', () => {
  const token = 'metrics-token-0123456789';
  const req = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization } });

  it('accepts exactly "Bearer <METRICS_TOKEN>"', () => {
    expect(presentsToken(req(`Bearer ${token}`), token)).toBe(true);
    expect(presentsToken(req(`  Bearer ${token} `), token)).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['an empty bearer', 'Bearer '],
    ['another token', 'Bearer metrics-token-0123456780'],
    ['a prefix of it', `Bearer ${token.slice(0, -1)}`],
    ['it with more', `Bearer ${token}x`],
    ['another scheme', `Basic ${token}`],
    ['no scheme', token],
  ])('refuses %s', (_what, header) => {
    expect(presentsToken(req(header), token)).toBe(false);
  });
});
