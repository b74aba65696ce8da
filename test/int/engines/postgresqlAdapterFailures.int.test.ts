// How the PostgreSQL adapter fails: wrong credentials, nothing listening, a server that never answers,
// a statement that waits on a lock. Objects are named wft_<random>_… (the cluster is shared).
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresqlAdapter } from '../../../src/adapters/engines/postgresql/postgresqlAdapter.js';
import { EngineError, type EngineAdapter, type EngineOptions } from '../../../src/adapters/engines/port.js';
import { freePort, withDatabase } from '../../support/net.js';
import { postgresService, titled } from '../../support/services.js';

const service = postgresService();
const prefix = `wft_${randomBytes(4).toString('hex')}`;
const COLLECTOR = `${prefix}_collector`;
const DB = `${prefix}_locks`;
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;

/** The EngineError a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<EngineError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EngineError);
  return err as EngineError;
}

describe.skipIf(!service.url)(titled('PostgreSQL engine adapter failures', service), () => {
  const adminUrl = service.url!;
  const { hostname: host, port } = new URL(adminUrl);
  let admin: pg.Client;
  const adapters: EngineAdapter[] = [];
  const adapterFor = (username: string, password: string, options?: EngineOptions, at = Number(port)) => {
    const a = createPostgresqlAdapter(
      { dbType: 'postgresql', host, port: at, username, password },
      { connectTimeoutMs: 5_000, queryTimeoutMs: 10_000, ...options },
    );
    adapters.push(a);
    return a;
  };

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE ROLE ${COLLECTOR} LOGIN PASSWORD ${admin.escapeLiteral(PASSWORD)}`);
    await admin.query(`CREATE DATABASE ${DB}`);
    const c = new pg.Client({ connectionString: withDatabase(adminUrl, DB) });
    await c.connect();
    await c.query('CREATE TABLE busy (id int)');
    await c.end();
  });

  afterAll(async () => {
    await Promise.allSettled(adapters.map((a) => a.close()));
    if (!admin) return;
    await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch(() => undefined);
    await admin.query(`DROP ROLE IF EXISTS ${COLLECTOR}`);
    await admin.end();
  });

  it('a wrong password: DATABASE_CONNECTION_ERROR, the password is not in the message', async (ctx) => {
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const probe = new pg.Client({
      host,
      port: Number(port),
      user: COLLECTOR,
      password: wrong,
      database: 'postgres',
    });
    const checked = await probe.connect().then(
      () => false,
      () => true,
    );
    await probe.end().catch(() => undefined);
    // pg_hba 'trust' (the system PostgreSQL of CI and dev boxes) accepts any password for 127.0.0.1.
    ctx.skip(!checked, 'this server does not check passwords for 127.0.0.1 (pg_hba trust)');
    const err = await failure(adapterFor(COLLECTOR, wrong).testConnection());
    expect(err.code).toBe('DATABASE_CONNECTION_ERROR');
    expect(err.message).toContain('28P01');
    expect(err.message).not.toContain(wrong);
  });

  it('an unknown role: DATABASE_CONNECTION_ERROR, and text equal to the password is scrubbed', async () => {
    const secret = randomBytes(8).toString('hex');
    const err = await failure(adapterFor(`${prefix}_nobody_${secret}`, secret).listAccounts());
    expect(err.code).toBe('DATABASE_CONNECTION_ERROR');
    // 28000 where the server trusts the host; 28P01 under scram (it does not reveal unknown roles).
    expect(err.message).toMatch(/SQLSTATE 28(000|P01)/);
    expect(err.message).toContain('[REDACTED]');
    expect(err.message).not.toContain(secret);
  });

  it('a closed port: DATABASE_CONNECTION_ERROR', async () => {
    const closed = adapterFor(COLLECTOR, PASSWORD, {}, await freePort());
    const err = await failure(closed.testConnection());
    expect(err.code).toBe('DATABASE_CONNECTION_ERROR');
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect((await failure(closed.databaseSizes())).code).toBe('DATABASE_CONNECTION_ERROR');
    expect((await failure(closed.tableSizes('postgres'))).code).toBe('DATABASE_CONNECTION_ERROR');
  });

  it('a server that accepts TCP but never answers: DATABASE_TIMEOUT after the connect timeout', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const at = (silent.address() as net.AddressInfo).port;
      const adapter = adapterFor(COLLECTOR, PASSWORD, { connectTimeoutMs: 300 }, at);
      const started = Date.now();
      const err = await failure(adapter.serverVersion());
      expect(err.code).toBe('DATABASE_TIMEOUT');
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((await failure(adapter.tableSizes('postgres'))).code).toBe('DATABASE_TIMEOUT');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('a statement that waits on a lock past the query timeout: a DATABASE_TIMEOUT ItemError', async () => {
    const locker = new pg.Client({ connectionString: withDatabase(adminUrl, DB) });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE busy IN ACCESS EXCLUSIVE MODE');
      const adapter = adapterFor(COLLECTOR, PASSWORD, { queryTimeoutMs: 500 });
      const { items, errors } = await adapter.tableSizes(DB);
      expect(items).toEqual([]);
      expect(errors).toEqual([
        {
          item: `database ${DB} tables`,
          code: 'DATABASE_TIMEOUT',
          message: expect.stringContaining('57014'),
        },
      ]);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  });

  it('a database that does not exist: DATABASE_CONNECTION_ERROR (3D000)', async () => {
    const err = await failure(adapterFor(COLLECTOR, PASSWORD).tableSizes(`${prefix}_missing`));
    expect(err.code).toBe('DATABASE_CONNECTION_ERROR');
    expect(err.message).toContain('3D000');
  });

  it('after close(), calls fail instead of reopening connections', async () => {
    const adapter = adapterFor(COLLECTOR, PASSWORD);
    expect((await adapter.testConnection()).latencyMs).toBeGreaterThanOrEqual(0);
    await adapter.close();
    await adapter.close();
    expect((await failure(adapter.listDatabases())).code).toBe('DATABASE_CONNECTION_ERROR');
  });
});
