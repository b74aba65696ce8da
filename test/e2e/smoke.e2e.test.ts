import { afterAll, beforeAll, expect, it } from 'vitest';
import { mountedRoutes } from '../../src/api/introspect.js';
import { inspectApp, startApiServer, type ApiServer } from '../support/apiServer.js';

let api: ApiServer;
beforeAll(async () => {
  api = await startApiServer();
});
afterAll(async () => api?.stop());

it('smoke: routes are visible and admin can log in', async () => {
  const app = await inspectApp(api.db);
  const routes = mountedRoutes(app.router);
  await app.close();
  expect(routes.length).toBeGreaterThan(10);
  const me = await api.call('GET', '/auth/me', { token: await api.adminToken() });
  expect(me.status).toBe(200);
  const viewer = await api.userToken('viewer');
  expect((await api.call('POST', '/users', { token: viewer, body: {} })).status).toBe(403);
});
