// How the SQL Server adapter fails with the real tedious driver and no SQL Server: nothing listening,
// a peer that never answers, a peer that hangs up. Always runs (it needs no server).
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError, type ConnectionParams } from '../../../src/adapters/engines/port.js';
import { createSqlserverAdapter } from '../../../src/adapters/engines/sqlserver/sqlserverAdapter.js';
import { freePort } from '../../support/net.js';

const PASSWORD = 'pw-never-in-messages';
const params = (port: number): ConnectionParams => ({
  dbType: 'sqlserver',
  host: '127.0.0.1',
  port,
  username: 'collector',
  password: PASSWORD,
});

async function failure(promise: Promise<unknown>): Promise<EngineError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EngineError);
  expect((err as Error).message).not.toContain(PASSWORD);
  return err as EngineError;
}

async function listen(onConnection: (socket: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;

describe('SQL Server adapter failures (real tedious, no server)', () => {
  const sockets = new Set<net.Socket>();
  let silent: net.Server;
  let hangUp: net.Server;

  beforeAll(async () => {
    silent = await listen((socket) => sockets.add(socket));
    hangUp = await listen((socket) => socket.destroy());
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all([silent, hangUp].map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('nothing listening: DATABASE_CONNECTION_ERROR, quickly, every time', async () => {
    const adapter = createSqlserverAdapter(params(await freePort()), { connectTimeoutMs: 2000 });
    try {
      expect((await failure(adapter.testConnection())).code).toBe('DATABASE_CONNECTION_ERROR');
      // The failed slot went back to the pool: the next call fails the same way, it does not queue.
      expect((await failure(adapter.listAccounts())).code).toBe('DATABASE_CONNECTION_ERROR');
    } finally {
      await adapter.close();
    }
  });

  it('a peer that never answers: DATABASE_CONNECTION_ERROR after the connect timeout', async () => {
    const adapter = createSqlserverAdapter(params(portOf(silent)), { connectTimeoutMs: 500 });
    const started = Date.now();
    try {
      const err = await failure(adapter.serverVersion());
      expect(err.code).toBe('DATABASE_CONNECTION_ERROR');
      expect(err.message).toContain('in 500ms');
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await adapter.close();
    }
  });

  it('a peer that hangs up: DATABASE_CONNECTION_ERROR', async () => {
    const adapter = createSqlserverAdapter(params(portOf(hangUp)), { connectTimeoutMs: 2000 });
    try {
      expect((await failure(adapter.permissionSnapshot())).code).toBe('DATABASE_CONNECTION_ERROR');
    } finally {
      await adapter.close();
    }
  });

  it('after close(), calls fail at once', async () => {
    const adapter = createSqlserverAdapter(params(await freePort()));
    await adapter.close();
    expect((await failure(adapter.listDatabases())).code).toBe('DATABASE_CONNECTION_ERROR');
  });
});
