// The request log lines are the ones pino-http wrote through its own serializers before (the options
// as they were, kept here): same level, same fields, same values, for an answer under a router (whose
// req.url Express rewrites), a query string, a 404, an error, a probe at debug and a 503.
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { pinoHttp, type Options } from 'pino-http';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { requestId } from './middleware/requestId.js';
import { requestLogOptions } from './requestLog.js';

/** app.ts's options before wrapSerializers was turned off. */
const before = (logger: ReturnType<typeof createLogger>): Options => ({
  logger,
  genReqId: requestId,
  customLogLevel: (req, res, err) => {
    const url = (req as { originalUrl?: string }).originalUrl ?? req.url;
    const probe =
      url !== undefined &&
      (/^\/api\/v1\/health\/(ping|ready)(\?|$)/.test(url) ||
        (url.split('?')[0] === '/metrics' && res.statusCode < 400));
    if (probe) return 'debug';
    if (res.statusCode === 503) return 'warn';
    return err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
  },
  serializers: {
    req: (req: { id: unknown; method: string; url: string }) => ({
      id: req.id,
      method: req.method,
      url: req.url,
    }),
    res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
  },
});

/** The lines one app writes for the requests, without the times. */
async function linesOf(options: (logger: ReturnType<typeof createLogger>) => Options): Promise<unknown[]> {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  const app = express();
  app.use(pinoHttp(options(logger)));
  const router = express.Router();
  router.get('/items', (_req, res) => void res.json({ ok: true }));
  router.get('/broken', () => {
    throw new Error('boom at postgres://u:secret@db/x');
  });
  router.get('/health/ping', (_req, res) => void res.json({ ok: true }));
  router.get('/gone', (_req, res) => void res.status(503).json({ ok: false }));
  app.use('/api/v1', router);
  app.use((_req, res) => void res.status(404).json({ ok: false }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    for (const [path, id] of [
      ['/api/v1/items?page=2&search=a%20b', 'request-id-0001'],
      ['/api/v1/broken', 'request-id-0002'],
      ['/api/v1/health/ping', 'request-id-0003'],
      ['/api/v1/gone', 'request-id-0004'],
      ['/nowhere?x=1', 'request-id-0005'],
    ] as const)
      await (
        await fetch(`${base}${path}`, { headers: { 'x-request-id': id, cookie: 'wf_session=t' } })
      ).arrayBuffer();
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  return lines.map(({ time: _t, responseTime: _r, ...rest }) => rest);
}

describe('request log', () => {
  it('writes the lines it wrote through pino-http serializers, field for field', async () => {
    const now = await linesOf(requestLogOptions);
    expect(now).toHaveLength(5);
    expect(now).toEqual(await linesOf(before));
    expect(now[0]).toMatchObject({
      level: 30,
      req: { id: 'request-id-0001', method: 'GET', url: '/api/v1/items?page=2&search=a%20b' },
      res: { statusCode: 200 },
    });
    expect(JSON.stringify(now)).not.toContain('wf_session');
  });
});
