// What an account sync costs a MySQL/MariaDB instance in round trips (issue 16): the same number for 50
// and for 500 accounts (the catalog read once, every SHOW GRANTS in one batch), counted by a latency proxy
// in front of the local server (TCP handshakes included); and a SHOW GRANTS that fails (the account dropped
// since the catalog was read) is an ItemError for that account alone, the others read.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlAdapter } from '../../../src/adapters/engines/mysql/mysqlAdapter.js';
import type { ConnectionParams } from '../../../src/adapters/engines/port.js';
import { startLatencyProxy, type LatencyProxy } from '../../support/latencyProxy.js';
import { mysqlService, titled } from '../../support/services.js';

const service = mysqlService();
const p = `wft_${randomBytes(4).toString('hex')}`;
const user = (i: number) => `${p}_${String(i).padStart(3, '0')}`;

describe.skipIf(!service.url)(titled('MySQL/MariaDB adapter, round trips per account sync', service), () => {
  let root: mysql.Connection;
  let proxy: LatencyProxy;
  let created = 0;
  let params: ConnectionParams;

  const createAccounts = async (upTo: number) => {
    for (; created < upTo; created++) {
      await root.query('CREATE USER ?@? IDENTIFIED BY ?', [user(created), '%', `Pw-${created}`]);
      if (created % 2 === 0) await root.query(`GRANT SELECT ON \`${p}_db\`.* TO ?@?`, [user(created), '%']);
    }
  };

  /** listAccounts then permissionSnapshot (what a sync asks: syncInstanceAccounts.ts), through the proxy. */
  const sync = async () => {
    const before = proxy.roundTrips;
    const adapter = createMysqlAdapter(params);
    try {
      const listed = await adapter.listAccounts();
      const snapshot = await adapter.permissionSnapshot();
      return { listed, snapshot, roundTrips: proxy.roundTrips - before };
    } finally {
      await adapter.close();
      await new Promise((r) => setTimeout(r, 20)); // the last answers counted
    }
  };

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: service.url! });
    const u = new URL(service.url!);
    proxy = await startLatencyProxy(
      { host: u.hostname, port: Number(u.port || 3306) },
      { delayMs: 1, connectRoundTrip: true },
    );
    params = {
      dbType: 'mysql',
      host: proxy.host,
      port: proxy.port,
      username: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
    };
  });

  afterAll(async () => {
    await proxy?.close();
    const [rows] = await root.query<mysql.RowDataPacket[]>(
      'SELECT User AS u, Host AS h FROM mysql.global_priv WHERE LEFT(User, ?) = ?',
      [p.length, p],
    );
    for (const r of rows) await root.query('DROP USER IF EXISTS ?@?', [r.u, r.h]);
    await root?.end();
  });

  it('50 and 500 accounts cost the same round trips, at most 10', async () => {
    await createAccounts(50);
    const fifty = await sync();
    await createAccounts(500);
    const fiveHundred = await sync();
    const ours = (names: string[]) => names.filter((n) => n.startsWith(p)).length;
    expect(ours(fifty.snapshot.items.map((i) => i.username))).toBe(50);
    expect(ours(fiveHundred.snapshot.items.map((i) => i.username))).toBe(500);
    expect(ours(fiveHundred.listed.items.map((i) => i.username))).toBe(500);
    expect(fiveHundred.snapshot.errors).toEqual([]);
    expect(fiveHundred.roundTrips).toBe(fifty.roundTrips);
    expect(fifty.roundTrips).toBeLessThanOrEqual(10);
  }, 120_000);

  it('a SHOW GRANTS that fails is an ItemError naming that account alone; the others are read', async () => {
    await createAccounts(50);
    const adapter = createMysqlAdapter(params);
    try {
      const listed = await adapter.listAccounts();
      expect(listed.items.map((i) => i.username)).toContain(`${user(7)}@%`);
      // Dropped after the catalog was read: its SHOW GRANTS fails in the middle of the batch.
      await root.query('DROP USER ?@?', [user(7), '%']);
      const snapshot = await adapter.permissionSnapshot();
      const unread = snapshot.errors.filter((e) => e.account?.startsWith(p));
      expect(unread).toEqual([
        expect.objectContaining({
          account: `${user(7)}@%`,
          item: `account ${user(7)}@% grants`,
          code: 'DATABASE_QUERY_ERROR',
        }),
      ]);
      const read = snapshot.items.map((i) => i.username).filter((n) => n.startsWith(p));
      expect(read).toHaveLength(created - 1);
      expect(read).toContain(`${user(6)}@%`);
      expect(read).toContain(`${user(8)}@%`);
      const facts = snapshot.items.find((i) => i.username === `${user(8)}@%`)?.facts;
      expect(JSON.stringify(facts)).toContain(`${p}_db`);
    } finally {
      await adapter.close();
    }
  }, 60_000);
});
