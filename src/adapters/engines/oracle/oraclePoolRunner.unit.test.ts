// The runner against a stand-in for node-oracledb's pool and connections (same calls, same arity rules).
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_OPTIONS, EngineError } from '../port.js';
import { easyConnectString, poolAttributes } from './oracleAdapter.js';
import type { OracleConnection, OracleDriver, OraclePool, OraclePoolAttributes } from './oracledbDriver.js';
import { OraclePoolRunner } from './oraclePoolRunner.js';

function fakeDriver(behaviour: { connectError?: Error; executeError?: Error; rows?: object[] } = {}) {
  const log = {
    pools: [] as OraclePoolAttributes[],
    closes: [] as unknown[][],
    timeouts: [] as number[],
    poolClosed: [] as unknown[],
  };
  const connection = (): OracleConnection => ({
    callTimeout: 0,
    oracleServerVersionString: '19.24.0.0.0',
    execute<T>(_sql: string, _binds: Record<string, string>, options: { outFormat: number }) {
      log.timeouts.push(this.callTimeout);
      if (options.outFormat !== 4002) return Promise.reject(new Error('expected OUT_FORMAT_OBJECT'));
      if (behaviour.executeError) return Promise.reject(behaviour.executeError);
      return Promise.resolve({ rows: (behaviour.rows ?? []) as T[] });
    },
    close(...args: unknown[]) {
      log.closes.push(args);
      // node-oracledb: close(a1) with arguments.length 1 must get an object (NJS-005 otherwise).
      if (args.length === 1 && (typeof args[0] !== 'object' || args[0] === null))
        return Promise.reject(new Error('NJS-005: invalid value for parameter 1'));
      return Promise.resolve();
    },
  });
  const driver: OracleDriver = {
    OUT_FORMAT_OBJECT: 4002,
    createPool(attributes) {
      log.pools.push(attributes);
      const pool: OraclePool = {
        getConnection: () =>
          behaviour.connectError ? Promise.reject(behaviour.connectError) : Promise.resolve(connection()),
        close: (drain) => {
          log.poolClosed.push(drain);
          return Promise.resolve();
        },
      };
      return Promise.resolve(pool);
    },
  };
  return { driver, log };
}

const params = {
  dbType: 'oracle' as const,
  host: 'ora01',
  port: 1521,
  databaseName: 'ORCLPDB1',
  username: 'collector',
  password: 'pw',
};
const attributes = poolAttributes(params, DEFAULT_ENGINE_OPTIONS);

describe('Oracle pool runner', () => {
  it('creates the pool once, lazily, with timeouts in the units node-oracledb expects', async () => {
    const { driver, log } = fakeDriver({ rows: [{ OK: 1 }] });
    const runner = new OraclePoolRunner(() => driver, attributes, {
      queryTimeoutMs: 30_000,
      secrets: ['pw'],
    });
    expect(log.pools).toHaveLength(0);
    expect(await runner.query('SELECT 1 AS ok FROM dual')).toEqual([{ OK: 1 }]);
    expect(await runner.serverVersion()).toBe('19.24.0.0.0');
    expect(log.pools).toEqual([
      {
        user: 'collector',
        password: 'pw',
        connectString: 'ora01:1521/ORCLPDB1',
        poolMin: 0,
        poolMax: 2,
        poolIncrement: 1,
        queueTimeout: 40_000,
        connectTimeout: 10,
        transportConnectTimeout: 10,
        poolTimeout: 60,
        poolPingInterval: 60,
      },
    ]);
    expect(log.timeouts).toEqual([30_000]);
    expect(log.closes).toEqual([[], []]); // every connection went back to the pool, with close()
    await runner.close();
    expect(log.poolClosed).toEqual([0]);
  });

  it('rounds a sub-second connect timeout up to one second', () => {
    expect(poolAttributes(params, { ...DEFAULT_ENGINE_OPTIONS, connectTimeoutMs: 2500 }).connectTimeout).toBe(
      3,
    );
    expect(poolAttributes(params, { ...DEFAULT_ENGINE_OPTIONS, connectTimeoutMs: 200 }).connectTimeout).toBe(
      1,
    );
  });

  it('builds Easy Connect strings', () => {
    expect(easyConnectString({ host: 'ora01', port: 1521, databaseName: 'ORCLPDB1' })).toBe(
      'ora01:1521/ORCLPDB1',
    );
    expect(easyConnectString({ host: 'ora01', port: 1522, databaseName: undefined })).toBe('ora01:1522');
    expect(easyConnectString({ host: '::1', port: 1521, databaseName: 'FREEPDB1' })).toBe(
      '[::1]:1521/FREEPDB1',
    );
  });

  it('releases the connection when the statement fails, and drops it after a call timeout', async () => {
    const denied = Object.assign(new Error('ORA-00942: table or view does not exist'), { code: 'ORA-00942' });
    const failing = fakeDriver({ executeError: denied });
    const runner = new OraclePoolRunner(() => failing.driver, attributes, {
      queryTimeoutMs: 1000,
      secrets: [],
    });
    await expect(runner.query('SELECT * FROM dba_users')).rejects.toBe(denied);
    expect(failing.log.closes).toEqual([[]]);

    const slow = fakeDriver({
      executeError: Object.assign(new Error('NJS-123: call timeout of 1000 ms exceeded'), {
        code: 'NJS-123',
      }),
    });
    const timed = new OraclePoolRunner(() => slow.driver, attributes, { queryTimeoutMs: 1000, secrets: [] });
    await expect(timed.query('SELECT * FROM dba_segments')).rejects.toMatchObject({ code: 'NJS-123' });
    expect(slow.log.closes).toEqual([[{ drop: true }]]);
  });

  it('a failed connect is a scrubbed DATABASE_CONNECTION_ERROR; the next call tries again', async () => {
    const refused = Object.assign(
      new Error('ORA-01017: invalid credential or not authorized; logon denied (pw)'),
      {
        code: 'ORA-01017',
        errorNum: 1017,
      },
    );
    const { driver, log } = fakeDriver({ connectError: refused });
    const runner = new OraclePoolRunner(() => driver, attributes, { queryTimeoutMs: 1000, secrets: ['pw'] });
    const failure = runner.query('SELECT 1 FROM dual');
    await expect(failure).rejects.toBeInstanceOf(EngineError);
    await expect(failure).rejects.toMatchObject({
      code: 'DATABASE_CONNECTION_ERROR',
      message: 'ORA-01017: invalid credential or not authorized; logon denied ([REDACTED])',
    });
    await expect(runner.query('SELECT 1 FROM dual')).rejects.toMatchObject({
      code: 'DATABASE_CONNECTION_ERROR',
    });
    expect(log.pools).toHaveLength(1); // the pool exists; each getConnection() tries to connect
  });

  it('refuses work after close()', async () => {
    const { driver } = fakeDriver();
    const runner = new OraclePoolRunner(() => driver, attributes, { queryTimeoutMs: 1000, secrets: [] });
    await runner.close(); // never opened: nothing to close
    await expect(runner.query('SELECT 1 FROM dual')).rejects.toMatchObject({
      code: 'DATABASE_CONNECTION_ERROR',
    });
  });
});
