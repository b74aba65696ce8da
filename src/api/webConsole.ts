// The web console (web/, built by `npm run build` into dist/web): its files, and index.html for every
// other GET outside /api and /metrics so that a page's address (/sessions/:id) can be reloaded or shared.
// Hashed assets are cached for a year; index.html is revalidated each time, so a new build shows at once.
// Without a build, / says how to make one instead of a bare 404.
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Request, type RequestHandler, type Router } from 'express';

const YEAR_SECONDS = 365 * 24 * 3600;

/**
 * Paths index.html never answers: the API (JSON 404s stay JSON), the metrics endpoint, and assets (a
 * missing one is the error handler's 404, not a page).
 */
const isServerPath = (p: string) =>
  p === '/api' || p.startsWith('/api/') || p === '/metrics' || p.startsWith('/assets/');

const wantsHtml = (req: Request) => req.accepts(['html', 'json']) === 'html';

export function webConsole(webDir: string | undefined): Router {
  const router = express.Router();
  const index = webDir ? path.join(webDir, 'index.html') : undefined;
  if (!webDir || !index || !existsSync(index)) {
    router.get('/', (_req, res) => {
      res
        .status(503)
        .type('html')
        .send(
          '<!doctype html><html lang="en"><title>whalefall</title><h1>The web console is not built</h1>' +
            '<p>Run <code>npm run build</code> and restart. The API is at <a href="/api/v1/docs">/api/v1/docs</a>.</p></html>',
        );
    });
    return router;
  }
  router.use(
    '/assets',
    express.static(path.join(webDir, 'assets'), {
      index: false,
      immutable: true,
      maxAge: YEAR_SECONDS * 1000,
    }),
  );
  const page: RequestHandler = (req, res, next) => {
    if (isServerPath(req.path) || !wantsHtml(req)) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  };
  router.get('/{*path}', page);
  return router;
}
