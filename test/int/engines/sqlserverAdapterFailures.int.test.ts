// How the SQL Server adapter fails with the real tedious driver and no SQL Server: nothing listening,
// a peer that never answers, a peer that hangs up. Always runs (it needs no server).
import { describe, expect, it } from 'vitest';
import type { ConnectionParams } from '../../../src/adapters/engines/port.js';
import { createSqlserverAdapter } from '../../../src/adapters/engines/sqlserver/sqlserverAdapter.js';
import { engineFailure, useFakePeers } from '../../support/fakePeers.js';

const PASSWORD = 'pw-never-in-messages';
const params = (port: number): ConnectionParams => ({
  dbType: 'sqlserver',
  host: '127.0.0.1',
  port,
  username: 'collector',
  password: PASSWORD,
});

const failure = (promise: Promise<unknown>) => engineFailure(promise, PASSWORD);

describe('SQL Server adapter failures (real tedious, no server)', () => {
  const peers = useFakePeers();

  it('nothing listening: DATABASE_CONNECTION_ERROR, quickly, every time', async () => {
    const adapter = createSqlserverAdapter(params(await peers.closedPort()), { connectTimeoutMs: 2000 });
    try {
      expect((await failure(adapter.testConnection())).code).toBe('DATABASE_CONNECTION_ERROR');
      // The failed slot went back to the pool: the next call fails the same way, it does not queue.
      expect((await failure(adapter.listAccounts())).code).toBe('DATABASE_CONNECTION_ERROR');
    } finally {
      await adapter.close();
    }
  });

  it('a peer that never answers: DATABASE_CONNECTION_ERROR after the connect timeout', async () => {
    const adapter = createSqlserverAdapter(params(peers.silentPort()), { connectTimeoutMs: 500 });
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
    const adapter = createSqlserverAdapter(params(peers.hangUpPort()), { connectTimeoutMs: 2000 });
    try {
      expect((await failure(adapter.permissionSnapshot())).code).toBe('DATABASE_CONNECTION_ERROR');
    } finally {
      await adapter.close();
    }
  });

  it('after close(), calls fail at once', async () => {
    const adapter = createSqlserverAdapter(params(await peers.closedPort()));
    await adapter.close();
    expect((await failure(adapter.listDatabases())).code).toBe('DATABASE_CONNECTION_ERROR');
  });
});
