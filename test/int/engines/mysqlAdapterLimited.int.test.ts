// The MySQL/MariaDB adapter collected by accounts without rights to the catalogs: each unreadable
// catalog is a PERMISSION_DENIED ItemError, and what the collector may read still comes back; with no
// account catalog at all, listing the accounts fails.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlAdapter } from '../../../src/adapters/engines/mysql/mysqlAdapter.js';
import type { ConnectionParams, EngineAdapter } from '../../../src/adapters/engines/port.js';
import { mysqlService, titled } from '../../support/services.js';

const service = mysqlService();
const p = `wft_${randomBytes(4).toString('hex')}`;
const password = `Pw-${randomBytes(6).toString('hex')}`;
const denied = (item: string) => expect.objectContaining({ item, code: 'PERMISSION_DENIED' });

function paramsFor(username: string, pw: string): ConnectionParams {
  const u = new URL(service.url!);
  return { dbType: 'mysql', host: u.hostname, port: Number(u.port || 3306), username, password: pw };
}

describe.skipIf(!service.url)(titled('MySQL/MariaDB adapter, limited collectors', service), () => {
  let admin: mysql.Connection;
  const cleanup = [
    `DROP DATABASE IF EXISTS \`${p}_a\``,
    `DROP DATABASE IF EXISTS \`${p}_b\``,
    ...['all', 'locked', 'lim', 'usr'].map((u) => `DROP USER IF EXISTS \`${p}_${u}\`@'%'`),
  ];
  const adapters: EngineAdapter[] = [];
  const connect = (user: string) => {
    const a = createMysqlAdapter(paramsFor(`${p}_${user}`, password), { queryTimeoutMs: 20_000 });
    adapters.push(a);
    return a;
  };
  let rootSizeMb: number;

  beforeAll(async () => {
    admin = await mysql.createConnection({ uri: service.url! });
    const run = (sql: string) => admin.query(sql);
    await run(`CREATE DATABASE \`${p}_a\``);
    await run(`CREATE DATABASE \`${p}_b\``);
    await run(`CREATE TABLE \`${p}_a\`.t (id INT PRIMARY KEY, pad VARCHAR(100))`);
    await run(`INSERT INTO \`${p}_a\`.t VALUES (1, REPEAT('x', 100)), (2, REPEAT('y', 100))`);
    await run(`CREATE TABLE \`${p}_b\`.t (id INT PRIMARY KEY)`);
    await run(`ANALYZE TABLE \`${p}_a\`.t, \`${p}_b\`.t`);
    for (const u of ['all', 'locked', 'lim', 'usr'])
      await run(`CREATE USER \`${p}_${u}\`@'%' IDENTIFIED BY '${password}'`);
    await run(`GRANT ALL PRIVILEGES ON *.* TO \`${p}_all\`@'%' WITH GRANT OPTION`);
    await run(`ALTER USER \`${p}_locked\`@'%' ACCOUNT LOCK`);
    // lim: SELECT on one database, nothing on mysql.*; usr: the same plus SELECT ON mysql.user.
    await run(`GRANT SELECT ON \`${p}_a\`.* TO \`${p}_lim\`@'%'`);
    await run(`GRANT SELECT ON \`${p}_a\`.* TO \`${p}_usr\`@'%'`);
    await run(`GRANT SELECT ON mysql.user TO \`${p}_usr\`@'%'`);
    // Without PROCESS the collector sizes from TABLES: what root reads there is the figure to match.
    const [sums] = await admin.query<mysql.RowDataPacket[]>(
      'SELECT SUM(DATA_LENGTH + INDEX_LENGTH) AS bytes FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      [`${p}_a`],
    );
    rootSizeMb = Math.round((Number(sums[0]!.bytes) / 1024 / 1024) * 1000) / 1000;
  });

  afterAll(async () => {
    for (const a of adapters) await a.close();
    for (const sql of cleanup) await admin?.query(sql).catch(() => undefined);
    await admin?.end();
  });

  describe('a collector with SELECT on one database and nothing on mysql.*', () => {
    it('cannot list the accounts: PERMISSION_DENIED, not an inventory of its own account', async () => {
      // An inventory of one would deactivate every other account (issue 10, A2).
      const err = await connect('lim')
        .listAccounts()
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'EngineError', code: 'PERMISSION_DENIED' });
      expect((err as Error).message).toContain('mysql.global_priv');
      expect((err as Error).message).toContain('mysql.user');
      expect((err as Error).message).not.toContain(password);
    });

    it('nor the permissions, for the same reason', async () => {
      await expect(connect('lim').permissionSnapshot()).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    });

    it('lists the databases it can see and says the list is partial', async () => {
      const { items, errors } = await connect('lim').listDatabases();
      expect(items.map((d) => d.name)).toEqual(['information_schema', `${p}_a`]);
      expect(errors).toEqual([denied('databases without a privilege of the collector')]);
    });

    it('sizes its database from TABLES (no PROCESS), and says the rest is missing', async () => {
      const { items, errors } = await connect('lim').databaseSizes();
      expect(items.find((d) => d.databaseName === `${p}_a`)?.sizeMb).toBe(rootSizeMb);
      expect(items.find((d) => d.databaseName === `${p}_b`)).toBeUndefined();
      expect(items.find((d) => d.databaseName === `${p}_a`)?.sizeMethod).toBe('tables');
      expect(errors).toEqual([
        denied('tables without a privilege of the collector'),
        denied('information_schema.INNODB_SYS_TABLESPACES'),
      ]);
    });

    it('one adapter for a whole collection reports the same per-item errors', async () => {
      const lim = connect('lim');
      const listed = await lim.listDatabases();
      const sizes = await lim.databaseSizes();
      expect(listed.items.map((d) => d.name)).toEqual(['information_schema', `${p}_a`]);
      expect(listed.errors).toEqual([denied('databases without a privilege of the collector')]);
      expect(sizes.items.map((d) => [d.databaseName, d.sizeMb])).toEqual([[`${p}_a`, rootSizeMb]]);
      expect(sizes.errors).toEqual([
        denied('tables without a privilege of the collector'),
        denied('information_schema.INNODB_SYS_TABLESPACES'),
      ]);
    });

    it('sizes the tables of its database; another database is an error', async () => {
      const lim = connect('lim');
      const own = await lim.tableSizes(`${p}_a`);
      expect(own.errors).toEqual([denied('information_schema.INNODB_SYS_TABLESPACES')]);
      expect(own.items.map((t) => t.tableName)).toEqual(['t']);
      const other = await lim.tableSizes(`${p}_b`);
      expect(other.items).toEqual([]);
      expect(other.errors).toEqual([denied(`database ${p}_b tables`)]);
    });
  });

  describe('a collector with SELECT ON mysql.user only (MariaDB: no mysql.global_priv)', () => {
    it('lists every account from mysql.user, and says lock status is unknown', async () => {
      const { items, errors } = await connect('usr').listAccounts();
      const names = items.map((a) => a.username);
      expect(names).toEqual(expect.arrayContaining([`${p}_all@%`, `${p}_lim@%`, `${p}_usr@%`]));
      expect(errors[0]).toEqual(denied('mysql.global_priv'));
      // MariaDB's mysql.user view has no account_locked column: the lock cannot be seen there.
      expect(errors.slice(1)).toEqual([denied('account lock status')]);
      expect(items.find((a) => a.username === `${p}_locked@%`)?.attributes).toMatchObject({
        source: 'mysql.user',
        account_locked: null,
      });
    });

    it('reads its own grants; every other account is an error naming it, and no item (no facts without grants)', async () => {
      const snap = await connect('usr').permissionSnapshot();
      const byName = new Map(snap.items.map((i) => [i.username, i]));
      const own = byName.get(`${p}_usr@%`)!;
      expect(own.facts.errors).toEqual([]);
      expect(own.snapshot.type_specific.table_privileges).toEqual({
        'mysql.user': { privileges: ['SELECT'], grantOption: false },
      });
      expect(byName.has(`${p}_all@%`)).toBe(false);
      expect(snap.errors).toEqual(
        expect.arrayContaining([
          denied('mysql.global_priv'),
          expect.objectContaining({
            item: `account ${p}_all@% grants`,
            code: 'PERMISSION_DENIED',
            account: `${p}_all@%`,
          }),
        ]),
      );
      expect(snap.errors.some((e) => e.item === `account ${p}_usr@% grants`)).toBe(false);
    });
  });

  it('a locked collector cannot connect: DATABASE_CONNECTION_ERROR', async () => {
    await expect(connect('locked').testConnection()).rejects.toMatchObject({
      name: 'EngineError',
      code: 'DATABASE_CONNECTION_ERROR',
    });
  });
});
