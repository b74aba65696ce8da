import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { loadConfig } from './config.js';
import { configError } from '../test/support/configError.js';

const hexKey = '0123456789abcdef'.repeat(4);
const base64Key = Buffer.alloc(32, 7).toString('base64');

describe('loadConfig defaults', () => {
  it('fills every default from an empty environment', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      databaseUrl: undefined,
      databasePoolSize: 12,
      eventStoreUrl: undefined,
      secretKey: undefined,
      dataDir: path.resolve('.whalefall'),
      embeddedPgPort: 54329,
      embeddedPgRestart: { attempts: 5, backoffMs: 1000 },
      timezone: 'UTC',
      host: '127.0.0.1',
      port: 5080,
      logLevel: 'info',
      logPretty: undefined,
      projectionBatchSize: 1000,
      projectionPollMs: 1000,
      projectionLeaderRetryMs: 2000,
      previousSecretKeys: [],
      adminPassword: undefined,
      jwtTtlSeconds: 28800,
      cookieSecure: 'auto',
      trustProxy: false,
      httpBodyLimit: '100kb',
      loginRateLimit: { windowMs: 900000, perUser: 5, perAddress: 50 },
      sync: {
        concurrency: 8,
        globalCap: { account: 64, capacity: 64 },
        instanceDeadlineMs: 300000,
        recoveryIntervalMs: 60000,
        heartbeatMs: 2000,
      },
      capacity: { attempts: 3, retryBackoffMs: 2000 },
      inventory: { maxDeactivatePercent: 50 },
      partitions: { monthsAhead: 3, maintenanceIntervalMs: 21600000, retentionMonths: 24 },
      scheduler: { enabled: true, schema: 'pgboss', misfireGraceMs: 300000, catchUpIntervalMs: 30000 },
      metricsToken: undefined,
      eventStream: { maxClients: 100, keepaliveMs: 15000 },
    });
  });

  it('never echoes WHALEFALL_ADMIN_PASSWORD or a previous secret key in an error', () => {
    for (const env of [
      { WHALEFALL_ADMIN_PASSWORD: 'short' },
      { WHALEFALL_PREVIOUS_SECRET_KEYS: 'not-a-key-zzz' },
    ]) {
      const message = (() => {
        try {
          loadConfig(env);
          return '';
        } catch (err) {
          return (err as Error).message;
        }
      })();
      expect(message).toMatch(/expected/);
      expect(message).not.toContain(Object.values(env)[0]);
    }
  });

  it('DATABASE_POOL_SIZE defaults to SYNC_CONCURRENCY + 4, at least 10, and can be set', () => {
    expect(loadConfig({ SYNC_CONCURRENCY: '1' }).databasePoolSize).toBe(10);
    expect(loadConfig({ SYNC_CONCURRENCY: '32' }).databasePoolSize).toBe(36);
    expect(loadConfig({ SYNC_CONCURRENCY: '32', DATABASE_POOL_SIZE: '20' }).databasePoolSize).toBe(20);
    expect(configError({ DATABASE_POOL_SIZE: '1' }).message).toMatch(/DATABASE_POOL_SIZE.*from 2 to 500/);
  });

  it('METRICS_TOKEN of 16 characters or more turns /metrics on', () =>
    expect(loadConfig({ METRICS_TOKEN: ' sixteen-chars-xx ' }).metricsToken).toBe('sixteen-chars-xx'));

  it('resolves the default data directory to an absolute path ending in .whalefall', () => {
    const { dataDir } = loadConfig({});
    expect(path.isAbsolute(dataDir)).toBe(true);
    expect(path.basename(dataDir)).toBe('.whalefall');
  });

  it('INVENTORY_MAX_DEACTIVATE_PERCENT takes 0 to 100', () => {
    expect(loadConfig({ INVENTORY_MAX_DEACTIVATE_PERCENT: '0' }).inventory.maxDeactivatePercent).toBe(0);
    expect(loadConfig({ INVENTORY_MAX_DEACTIVATE_PERCENT: '100' }).inventory.maxDeactivatePercent).toBe(100);
  });

  it('does not read process.env when given an explicit env', () => {
    const config = loadConfig({ PORT: '6000' });
    expect(config.port).toBe(6000);
    expect(config.host).toBe('127.0.0.1');
  });
});

describe('loadConfig parses valid values', () => {
  it.each(['postgres://user:pw@db:5432/whalefall', 'postgresql://db/whalefall'])('DATABASE_URL=%s', (url) => {
    expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  it('trims DATABASE_URL', () => {
    expect(loadConfig({ DATABASE_URL: '  postgres://db/x  ' }).databaseUrl).toBe('postgres://db/x');
  });

  it.each(['esdb://localhost:2113?tls=false', 'kurrentdb://localhost:2113?tls=false'])(
    'EVENTSTORE_URL=%s',
    (url) => {
      expect(loadConfig({ EVENTSTORE_URL: url }).eventStoreUrl).toBe(url);
    },
  );

  it.each([
    ['64 lower-case hex digits', hexKey],
    ['64 upper-case hex digits', hexKey.toUpperCase()],
    ['base64 of 32 bytes', base64Key],
  ])('WHALEFALL_SECRET_KEY as %s', (_label, key) => {
    expect(loadConfig({ WHALEFALL_SECRET_KEY: key }).secretKey).toBe(key);
  });

  it.each([
    ['true', true],
    ['false', false],
  ])('LOG_PRETTY=%s', (raw, expected) => {
    expect(loadConfig({ LOG_PRETTY: raw }).logPretty).toBe(expected);
  });

  it('WHALEFALL_TIMEZONE=Asia/Shanghai', () => {
    expect(loadConfig({ WHALEFALL_TIMEZONE: 'Asia/Shanghai' }).timezone).toBe('Asia/Shanghai');
  });

  it.each(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const)(
    'LOG_LEVEL=%s',
    (level) => {
      expect(loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level);
    },
  );

  it('parses the remaining variables', () => {
    const config = loadConfig({
      WHALEFALL_DATA_DIR: '/var/lib/whalefall',
      WHALEFALL_EMBEDDED_PG_PORT: '6543',
      WHALEFALL_EMBEDDED_PG_RESTARTS: '0',
      WHALEFALL_EMBEDDED_PG_RESTART_BACKOFF_MS: '250',
      HOST: '0.0.0.0',
      PORT: '8080',
      PROJECTION_BATCH_SIZE: '250',
      PROJECTION_POLL_MS: '50',
    });
    expect(config).toMatchObject({
      dataDir: path.resolve('/var/lib/whalefall'),
      embeddedPgPort: 6543,
      embeddedPgRestart: { attempts: 0, backoffMs: 250 },
      host: '0.0.0.0',
      port: 8080,
      projectionBatchSize: 250,
      projectionPollMs: 50,
    });
  });

  it('resolves a relative WHALEFALL_DATA_DIR against the working directory', () => {
    expect(loadConfig({ WHALEFALL_DATA_DIR: 'data/here' }).dataDir).toBe(path.resolve('data/here'));
  });

  it('accepts the port range ends 1 and 65535', () => {
    expect(loadConfig({ PORT: '1' }).port).toBe(1);
    expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
  });
});

describe('loadConfig treats empty strings as unset', () => {
  it.each(['DATABASE_URL', 'EVENTSTORE_URL', 'WHALEFALL_SECRET_KEY', 'LOG_PRETTY'])('%s=""', (name) => {
    expect(loadConfig({ [name]: '' })).toEqual(loadConfig({}));
  });

  it.each(['DATABASE_URL', 'EVENTSTORE_URL', 'WHALEFALL_SECRET_KEY', 'LOG_PRETTY'])('%s="   "', (name) => {
    expect(loadConfig({ [name]: '   ' })).toEqual(loadConfig({}));
  });

  // `PORT=` in a .env file (or `PORT: ${PORT}` in compose with PORT unset) means the default.
  for (const name of [
    'PORT',
    'HOST',
    'LOG_LEVEL',
    'WHALEFALL_TIMEZONE',
    'WHALEFALL_DATA_DIR',
    'WHALEFALL_EMBEDDED_PG_PORT',
    'PROJECTION_BATCH_SIZE',
    'PROJECTION_POLL_MS',
  ]) {
    it(`${name}="" falls back to the default`, () => {
      expect(loadConfig({ [name]: '' })).toEqual(loadConfig({}));
    });
  }
});

describe('loadConfig rejects bad values', () => {
  it.each([
    ['PORT', 'abc', 'expected a port from 1 to 65535'],
    ['PORT', '70000', 'expected a port from 1 to 65535'],
    ['PORT', '0', 'expected a port from 1 to 65535'],
    ['PORT', '80.5', 'expected a port from 1 to 65535'],
    ['WHALEFALL_EMBEDDED_PG_PORT', '-1', 'expected a port from 1 to 65535'],
    ['LOG_LEVEL', 'loud', 'expected one of fatal, error, warn, info, debug, trace, silent'],
    ['LOG_PRETTY', 'yes', 'expected true or false'],
    ['DATABASE_URL', 'mysql://x', 'expected a postgres:// or postgresql:// URL'],
    ['EVENTSTORE_URL', 'http://localhost:2113', 'expected an esdb:// or kurrentdb:// connection string'],
    ['WHALEFALL_SECRET_KEY', 'short', 'expected 32 bytes, as base64 or 64 hex digits'],
    ['WHALEFALL_SECRET_KEY', hexKey.slice(2), 'expected 32 bytes, as base64 or 64 hex digits'],
    ['WHALEFALL_TIMEZONE', 'Mars/Base', 'expected an IANA time zone such as UTC or Asia/Shanghai'],
    ['PARTITION_MONTHS_AHEAD', '0', 'expected a whole number from 1 to 24'],
    ['CAPACITY_ATTEMPTS', '11', 'expected a whole number from 1 to 10'],
    ['INVENTORY_MAX_DEACTIVATE_PERCENT', '101', 'expected a whole number from 0 to 100'],
    ['INVENTORY_MAX_DEACTIVATE_PERCENT', '-5', 'expected a whole number from 0 to 100'],
    ['CAPACITY_RETRY_BACKOFF_MS', '-1', 'expected milliseconds from 0 to 600000'],
    ['PARTITION_MAINTENANCE_INTERVAL_MS', '1000', 'expected milliseconds from 60000 to 604800000'],
    ['METRICS_TOKEN', 'fifteen-chars-x', 'expected at least 16 characters'],
  ])('%s=%s', (name, value, expected) => {
    const error = configError({ [name]: value });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toContain(`${name}: ${expected}`);
    expect(error.message).toContain(name);
    expect(error.message).toContain(expected);
  });

  it('shows the offending value for variables that are not secret', () => {
    expect(configError({ PORT: 'abc' }).problems).toEqual([
      "PORT: expected a port from 1 to 65535 (got 'abc')",
    ]);
    expect(configError({ WHALEFALL_TIMEZONE: 'Mars/Base' }).message).toContain("(got 'Mars/Base')");
  });

  it('reports every bad variable at once', () => {
    const error = configError({
      PORT: 'abc',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://x',
      WHALEFALL_SECRET_KEY: 'short',
      WHALEFALL_TIMEZONE: 'Mars/Base',
      HOST: '0.0.0.0',
    });
    const names = error.problems.map((p) => p.split(':')[0]).sort();
    expect(names).toEqual([
      'DATABASE_URL',
      'LOG_LEVEL',
      'PORT',
      'WHALEFALL_SECRET_KEY',
      'WHALEFALL_TIMEZONE',
    ]);
    for (const problem of error.problems) expect(error.message).toContain(problem);
  });
});
