// The Express application. Issue-by-issue it grows resources under /api/v1; for now it answers health pings.
import express, { type Express } from 'express';
import type { Runtime } from '../runtime.js';

export const success = <T>(data: T, message = 'ok') => ({
  success: true as const,
  message,
  timestamp: new Date().toISOString(),
  data,
});

export function createApp(_runtime: Pick<Runtime, 'logger'>): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/api/v1/health/ping', (_req, res) => {
    res.json(success({ status: 'ok' }, 'pong'));
  });
  return app;
}
