// An e2e fixture: the built whalefall binary as a child process on a fresh PostgreSQL database, with
// helpers to log in and call the API over HTTP.
import type { Router } from 'express';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { createApp, type ApiApp } from '../../src/api/app.js';
import { composeApi } from '../../src/compose.js';
import { BackgroundTasks } from '../../src/commands/sync/backgroundTasks.js';
import { ProcessSessions } from '../../src/commands/sync/processSessions.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { ProjectionDaemon } from '../../src/projections/daemon.js';
import { freePort } from './net.js';
import { buildOnce, startServerProcess, type ServerProcess } from './serverProcess.js';
import { createTestDatabase, type TestDatabase } from './testDatabase.js';

export const ADMIN_PASSWORD = 'e2e-Admin-password-1';
/** A fixed test key (never used outside tests). */
export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

export interface CallResult<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export interface ApiServer {
  baseUrl: string;
  db: TestDatabase;
  server: ServerProcess;
  /** fetch relative to /api/v1 with a JSON body; never throws on HTTP errors. */
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string },
  ): Promise<CallResult<T>>;
  /** Logs in and returns the bearer token. */
  login(username: string, password: string): Promise<string>;
  adminToken(): Promise<string>;
  /** Creates a user as admin and returns a bearer token for it. */
  userToken(role: 'admin' | 'user' | 'viewer', username?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startApiServer(env: Record<string, string> = {}): Promise<ApiServer> {
  await buildOnce();
  const db = await createTestDatabase();
  const server = await startServerProcess(
    {
      DATABASE_URL: db.url,
      WHALEFALL_SECRET_KEY: TEST_SECRET_KEY,
      WHALEFALL_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOG_LEVEL: 'warn',
      // Off unless a test asks: the built-in jobs run at night (00:30 to 05:00 UTC), and a suite running
      // then would get syncs nobody asked for.
      WHALEFALL_SCHEDULER: 'off',
      ...env,
    },
    await freePort(),
  );
  const baseUrl = `${server.baseUrl}/api/v1`;
  let admin: string | undefined;
  let created = 0;

  const api: ApiServer = {
    baseUrl,
    db,
    server,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let body: string | undefined = options.rawBody;
      if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: leave the text
      }
      return { status: res.status, body: parsed as never, headers: res.headers };
    },
    async login(username, password) {
      const res = await api.call<{ data: { access_token: string } }>('POST', '/auth/login', {
        body: { username, password },
      });
      if (res.status !== 200)
        throw new Error(`login as ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.data.access_token;
    },
    async adminToken() {
      admin ??= await api.login('admin', ADMIN_PASSWORD);
      return admin;
    },
    async userToken(role, username = `${role}-${++created}-${Date.now()}`) {
      const password = `pw-${username}-long`;
      const res = await api.call('POST', '/users', {
        token: await api.adminToken(),
        body: { username, password, role },
      });
      if (res.status !== 201)
        throw new Error(`creating ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
      return api.login(username, password);
    },
    async stop() {
      await server.stop('SIGTERM');
      await db.drop();
    },
  };
  return api;
}

/**
 * Builds the app in this process against the given database, through the same composition root as
 * `serve`, to read its router: the list of routes comes from what Express mounted, not from a
 * hand-written list.
 */
export async function inspectApp(
  db: TestDatabase,
): Promise<ApiApp & { router: Router; close(): Promise<void> }> {
  const config = loadConfig({ DATABASE_URL: db.url });
  const logger = createLogger({ level: 'silent' });
  const store = new PostgresEventStore(db.pool);
  const projections = new ProjectionDaemon({ projections: [], store, knex: db.knex, logger });
  const keyring = {
    current: () => ({ current: Buffer.alloc(32, 7), previous: [] }),
    reload: () => Promise.resolve(),
  };
  const app = createApp(
    await composeApi({
      config,
      logger,
      knex: db.knex,
      pool: db.pool,
      store,
      projections,
      keyring,
      tasks: new BackgroundTasks(),
      sessions: new ProcessSessions({ knex: db.knex, logger, heartbeatMs: 2000 }),
    }),
  );
  return { ...app, close: () => store.close() };
}
