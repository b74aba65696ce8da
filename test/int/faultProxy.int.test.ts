// The fault-injection proxy itself, against the real MariaDB and PostgreSQL: what passes through is
// untouched, a stalled query hangs while others on other connections run, a dropped one loses its
// connection, a blackholed port never answers, and a paused proxy holds everything until resumed.
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy.js';
import { monitoredPostgresService, mysqlService, titled } from '../support/services.js';

const settle = <T>(p: Promise<T>, ms: number) =>
  Promise.race([
    p.then(
      (value) => ({ state: 'resolved' as const, value }),
      (error: unknown) => ({ state: 'rejected' as const, error }),
    ),
    new Promise<{ state: 'pending' }>((r) => setTimeout(() => r({ state: 'pending' }), ms)),
  ]);

const my = mysqlService();
describe.skipIf(!my.url)(titled('fault proxy in front of MariaDB', my), () => {
  let proxy: FaultProxy;
  const connect = () => {
    const u = new URL(my.url!);
    return mysql.createConnection({
      host: proxy.host,
      port: proxy.port,
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      connectTimeout: 2000,
    });
  };
  beforeAll(async () => {
    const u = new URL(my.url!);
    proxy = await startFaultProxy({ host: u.hostname, port: Number(u.port || 3306) });
  });
  afterAll(() => proxy.close());

  it('passes queries through, stalls only the chosen one, and releases it', async () => {
    const [a, b] = await Promise.all([connect(), connect()]);
    try {
      const [rows] = await a.query<mysql.RowDataPacket[]>('SELECT 1 + 1 AS two');
      expect(rows[0]!.two).toBe(2);
      proxy.stall('SELECT 42 AS stalled', { times: 1 });
      const stalled = a.query('SELECT 42 AS stalled');
      expect((await settle(stalled, 300)).state).toBe('pending');
      const [other] = await b.query<mysql.RowDataPacket[]>('SELECT 7 AS seven');
      expect(other[0]!.seven).toBe(7);
      expect(proxy.hits('SELECT 42 AS stalled')).toBe(1);
      proxy.release();
      const [late] = (await stalled) as [mysql.RowDataPacket[], unknown];
      expect(late[0]!.stalled).toBe(42);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  it('drops the connection of a chosen query', async () => {
    const a = await connect();
    proxy.drop('SELECT 13 AS dropped', { times: 1 });
    await expect(a.query('SELECT 13 AS dropped')).rejects.toThrow();
    a.destroy();
  });

  it('blackholes new connections: the client times out', async () => {
    proxy.blackhole();
    try {
      const started = Date.now();
      await expect(connect()).rejects.toThrow();
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    } finally {
      proxy.blackhole(false);
    }
  });
});

const pgs = monitoredPostgresService();
describe.skipIf(!pgs.url)(titled('fault proxy in front of PostgreSQL', pgs), () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    const u = new URL(pgs.url!);
    proxy = await startFaultProxy({ host: u.hostname, port: Number(u.port || 5432) });
  });
  afterAll(() => proxy.close());

  const client = async () => {
    const u = new URL(pgs.url!);
    u.hostname = proxy.host;
    u.port = String(proxy.port);
    const c = new pg.Client({ connectionString: u.toString() });
    await c.connect();
    return c;
  };

  it('stalls a chosen query of the extended protocol and holds a paused server', async () => {
    const c = await client();
    try {
      proxy.stall('SELECT $1::int AS n', { times: 1, forMs: 400 });
      const started = Date.now();
      const r = await c.query('SELECT $1::int AS n', [5]);
      expect(r.rows[0].n).toBe(5);
      expect(Date.now() - started).toBeGreaterThanOrEqual(350);

      proxy.pause();
      const held = c.query('SELECT 1 AS one');
      expect((await settle(held, 300)).state).toBe('pending');
      proxy.resume();
      expect((await held).rows[0].one).toBe(1);
    } finally {
      await c.end();
    }
  });
});
