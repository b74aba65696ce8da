// The service the big-session benchmark runs in its child process (bigSessionHost.ts): the real runtime
// (store, projections running live, the process's sessions and heartbeat) and the real HTTP API on a free
// port, logged in
// as the administrator; instances registered through the real commands, all on one credential; and an
// engine adapter that answers at once (one account with one privilege), so only whalefall is measured.
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pLimit from 'p-limit';
import { createApp } from '../src/api/app.js';
import type { EngineAdapter } from '../src/adapters/engines/port.js';
import type { CommandContext } from '../src/commands/commandContext.js';
import type { SessionRunDeps } from '../src/commands/sync/runSession.js';
import { composeApi } from '../src/compose.js';
import { loadConfig } from '../src/config.js';
import { makeFacts } from '../src/domain/engines/model.js';
import type { Position } from '../src/domain/events/envelope.js';
import { createLogger } from '../src/logger.js';
import { openRuntime, type Runtime } from '../src/runtime.js';

export const say = (line: string) => process.stderr.write(`${line}\n`);

const ACCOUNT = 'app@%';

/** An adapter of a MySQL instance that has one account with SELECT, answering without a round trip. */
export function instantAdapter(): EngineAdapter {
  const none = () => Promise.resolve({ items: [], errors: [] });
  return {
    dbType: 'mysql',
    testConnection: () => Promise.resolve({ version: 'fake', latencyMs: 0 }),
    serverVersion: () => Promise.resolve('fake'),
    listDatabases: none,
    databaseSizes: none,
    tableSizes: none,
    listAccounts: () =>
      Promise.resolve({
        items: [{ username: ACCOUNT, isSystem: false, locked: false, attributes: {} }],
        errors: [],
      }),
    permissionSnapshot: () =>
      Promise.resolve({
        items: [
          {
            username: ACCOUNT,
            snapshot: {
              version: 4,
              db_type: 'mysql',
              categories: { global_privileges: ['SELECT'] },
              type_specific: {},
              errors: [],
              meta: { collected_at: new Date().toISOString(), server_version: 'fake' },
            },
            facts: makeFacts('mysql', { global: ['SELECT'] }),
          },
        ],
        errors: [],
      }),
    close: () => Promise.resolve(),
  };
}

export interface BigSessionService {
  runtime: Runtime;
  /** What a session run needs, with the instant adapter. */
  deps: SessionRunDeps;
  ctx: CommandContext;
  /** The HTTP API's base URL (.../api/v1) and the logged-in administrator's bearer token. */
  api: { base: string; token: string };
  /** Registers `count` instances named `${set}-NNNNN`, on ports from `firstPort` on; returns their ids. */
  register(set: string, count: number, firstPort: number): Promise<string[]>;
  /** Resolves once the sync_sessions read model has applied `position`. */
  projected(position: Position): Promise<void>;
  /** Resolves once every read model has applied the whole log as it is now. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** What a service started again on the same database needs to be the same service (its admin, its keys). */
export interface ServiceSecrets {
  password: string;
  secretKey: string;
}

export const newSecrets = (): ServiceSecrets => ({
  password: `Bench-${randomBytes(9).toString('hex')}`,
  secretKey: randomBytes(32).toString('base64'),
});

export async function startService(
  databaseUrl: string,
  { password, secretKey }: ServiceSecrets = newSecrets(),
): Promise<BigSessionService> {
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    WHALEFALL_SECRET_KEY: secretKey,
    WHALEFALL_SCHEDULER: 'off',
    LOG_LEVEL: 'warn',
  });
  const logger = createLogger({ level: 'warn' });
  const runtime = await openRuntime(config, logger);
  let server: Server | undefined;
  try {
    await runtime.keyring.reload();
    const api = await composeApi(runtime);
    await api.commands.bootstrapAdmin(password, new Date());
    runtime.projections.start();
    const { app } = createApp(api);
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
    const login = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
    const token = ((await login.json()) as { data: { access_token: string } }).data.access_token;

    const ctx: CommandContext = {
      actor: { kind: 'user', id: 'bench' },
      correlationId: 'bench',
      now: new Date(),
    };
    const credential = await api.commands.createCredential(
      {
        name: `bench-${randomBytes(4).toString('hex')}`,
        dbType: 'mysql',
        username: 'collector',
        password: 'not-used',
        description: '',
      },
      ctx,
    );
    const { knex, pool, store, keyring, sessions } = runtime;
    const deps: SessionRunDeps = {
      knex,
      pool,
      store,
      logger,
      sessions,
      keyring: keyring.current,
      reloadKeyring: keyring.reload,
      adapterFor: () => instantAdapter(),
    };
    const sessionsRead = runtime.projections.runners.find((r) => r.projection.name === 'sync_sessions')!;
    const listening = server;
    return {
      runtime,
      deps,
      ctx,
      api: { base, token },
      async register(set, count, firstPort) {
        const limit = pLimit(8);
        return Promise.all(
          Array.from({ length: count }, (_, i) =>
            limit(async () => {
              const { id } = await api.commands.registerInstance(
                {
                  name: `${set}-${String(i).padStart(5, '0')}`,
                  dbType: 'mysql',
                  host: '127.0.0.1',
                  port: firstPort + i, // one endpoint per instance: no duplicates
                  databaseName: null,
                  credentialId: credential.id,
                  description: '',
                },
                ctx,
              );
              return id;
            }),
          ),
        );
      },
      projected: (position) => sessionsRead.waitForPosition(position, 600_000),
      async settled() {
        const head = await store.headPosition();
        await Promise.all(runtime.projections.runners.map((r) => r.waitForPosition(head, 600_000)));
      },
      async close() {
        await new Promise<void>((resolve) => listening.close(() => resolve()));
        await runtime.close();
      },
    };
  } catch (err) {
    server?.close();
    await runtime.close();
    throw err;
  }
}
