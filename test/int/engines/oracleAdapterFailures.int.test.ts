// How the Oracle adapter fails with the real node-oracledb Thin mode driver and no Oracle: nothing listening,
// a peer that never answers, a peer that hangs up. Always runs (it needs no server).
import { describe, expect, it } from 'vitest';
import type { ConnectionParams } from '../../../src/adapters/engines/port.js';
import { createOracleAdapter } from '../../../src/adapters/engines/oracle/oracleAdapter.js';
import { engineFailure, useFakePeers } from '../../support/fakePeers.js';

const PASSWORD = 'pw-never-in-messages';
const params = (port: number): ConnectionParams => ({
  dbType: 'oracle',
  host: '127.0.0.1',
  port,
  databaseName: 'FREEPDB1',
  username: 'collector',
  password: PASSWORD,
});

const failure = (promise: Promise<unknown>) => engineFailure(promise, PASSWORD);

describe('Oracle adapter failures (real node-oracledb Thin mode, no server)', () => {
  const peers = useFakePeers();

  it('nothing listening: DATABASE_CONNECTION_ERROR, quickly, every time', async () => {
    const adapter = createOracleAdapter(params(await peers.closedPort()), { connectTimeoutMs: 2000 });
    try {
      expect((await failure(adapter.testConnection())).code).toBe('DATABASE_CONNECTION_ERROR');
      // The failed slot went back to the pool: the next call fails the same way, it does not queue.
      expect((await failure(adapter.listAccounts())).code).toBe('DATABASE_CONNECTION_ERROR');
    } finally {
      await adapter.close();
    }
  });

  it('a peer that never answers: DATABASE_CONNECTION_ERROR after the connect timeout (whole seconds)', async () => {
    const adapter = createOracleAdapter(params(peers.silentPort()), { connectTimeoutMs: 500 });
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
    const adapter = createOracleAdapter(params(peers.hangUpPort()), { connectTimeoutMs: 2000 });
    try {
      expect((await failure(adapter.permissionSnapshot())).code).toBe('DATABASE_CONNECTION_ERROR');
    } finally {
      await adapter.close();
    }
  });

  it('after close(), calls fail at once', async () => {
    const adapter = createOracleAdapter(params(await peers.closedPort()));
    await adapter.close();
    expect((await failure(adapter.listDatabases())).code).toBe('DATABASE_CONNECTION_ERROR');
  });
});
