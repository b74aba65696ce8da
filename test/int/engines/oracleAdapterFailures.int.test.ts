// How the Oracle adapter fails with the real node-oracledb Thin mode driver and no Oracle: nothing listening,
// a peer that never answers, a peer that hangs up. Always runs (it needs no server).
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError, type ConnectionParams } from '../../../src/adapters/engines/port.js';
import { createOracleAdapter } from '../../../src/adapters/engines/oracle/oracleAdapter.js';
import { freePort } from '../../support/net.js';

const PASSWORD = 'pw-never-in-messages';
const params = (port: number): ConnectionParams => ({
  dbType: 'oracle',
  host: '127.0.0.1',
  port,
  databaseName: 'FREEPDB1',
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

describe('Oracle adapter failures (real node-oracledb Thin mode, no server)', () => {
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
    const adapter = createOracleAdapter(params(await freePort()), { connectTimeoutMs: 2000 });
    try {
      expect((await failure(adapter.testConnection())).code).toBe('DATABASE_CONNECTION_ERROR');
      // The failed slot went back to the pool: the next call fails the same way, it does not queue.
      expect((await failure(adapter.listAccounts())).code).toBe('DATABASE_CONNECTION_ERROR');
    } finally {
      await adapter.close();
    }
  });

  it('a peer that never answers: DATABASE_CONNECTION_ERROR after the connect timeout (whole seconds)', async () => {
    const adapter = createOracleAdapter(params(portOf(silent)), { connectTimeoutMs: 500 });
    const started = Date.now();
    try {
      const err = await failure(adapter.serverVersion());
      expect(err.code).toBe('DATABASE_CONNECTION_ERROR');
      expect(err.message).toContain('NJS-510'); // 500 ms rounds up to node-oracledb's 1 s
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await adapter.close();
    }
  });

  it('a peer that hangs up: DATABASE_CONNECTION_ERROR', async () => {
    const adapter = createOracleAdapter(params(portOf(hangUp)), { connectTimeoutMs: 2000 });
    try {
      expect((await failure(adapter.permissionSnapshot())).code).toBe('DATABASE_CONNECTION_ERROR');
    } finally {
      await adapter.close();
    }
  });

  it('after close(), calls fail at once', async () => {
    const adapter = createOracleAdapter(params(await freePort()));
    await adapter.close();
    expect((await failure(adapter.listDatabases())).code).toBe('DATABASE_CONNECTION_ERROR');
  });
});
