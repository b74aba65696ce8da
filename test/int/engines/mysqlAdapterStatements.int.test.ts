// What the MySQL/MariaDB adapter asks the server during a capacity collection (listDatabases, then
// databaseSizes: collectCapacity.ts), counted on a real session wrapped to record every statement: the
// collector's scope, the version and SHOW DATABASES once per adapter, the sizes (TABLES and the InnoDB
// tablespaces) every time; a scope that failed on a timeout is asked again, and nothing kept outlives
// close().
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlAdapterOn } from '../../../src/adapters/engines/mysql/mysqlAdapter.js';
import { createMysqlSession, type MysqlSession } from '../../../src/adapters/engines/mysql/mysqlSession.js';
import { mysqlService, titled } from '../../support/services.js';

const service = mysqlService();
const p = `wft_${randomBytes(4).toString('hex')}`;

/** Statement kinds, by how each starts. */
const KINDS: [string, RegExp][] = [
  ['current user', /^SELECT CURRENT_USER\(\)/],
  ['own grants', /^SHOW GRANTS$/],
  ['databases', /^SHOW DATABASES$/],
  ['version', /^SELECT VERSION\(\)/],
  ['database sizes', /^SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name/],
  [
    'tablespaces',
    /^SELECT NAME AS name, FILE_SIZE AS file_size, ALLOCATED_SIZE AS allocated FROM information_schema\.INNODB_/,
  ],
  ['schema exists', /^SELECT SCHEMA_NAME AS name FROM information_schema\.SCHEMATA/],
  ['table sizes', /^SELECT TABLE_NAME AS name/],
];
const kindOf = (sql: string) => KINDS.find(([, re]) => re.test(sql))?.[0] ?? sql;

/** A real session that records the kind of every statement, and can fail the first of one kind. */
function recording(real: MysqlSession, failFirst?: { kind: string; error: Error }) {
  const ran: string[] = [];
  let failed = false;
  const record = (sql: string) => {
    const kind = kindOf(sql.replace(/\s+/g, ' ').trim());
    ran.push(kind);
    if (failFirst && !failed && kind === failFirst.kind) {
      failed = true;
      throw failFirst.error;
    }
  };
  const session: MysqlSession = {
    ...real,
    query: async (sql, values) => (record(sql), real.query(sql, values)),
    queryArrays: async (sql, values) => (record(sql), real.queryArrays(sql, values)),
  };
  return { session, ran };
}

describe.skipIf(!service.url)(titled('MySQL/MariaDB adapter, statements per collection', service), () => {
  let admin: mysql.Connection;
  const sessions: MysqlSession[] = [];
  const rootSession = () => {
    const u = new URL(service.url!);
    const s = createMysqlSession({
      dbType: 'mysql',
      host: u.hostname,
      port: Number(u.port || 3306),
      username: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
    });
    sessions.push(s);
    return s;
  };

  beforeAll(async () => {
    admin = await mysql.createConnection({ uri: service.url! });
    await admin.query(`CREATE DATABASE \`${p}_a\``);
    await admin.query(`CREATE TABLE \`${p}_a\`.t (id INT PRIMARY KEY)`);
  });

  afterAll(async () => {
    for (const s of sessions) await s.close();
    await admin?.query(`DROP DATABASE IF EXISTS \`${p}_a\``).catch(() => undefined);
    await admin?.end();
  });

  it('a collection asks for the scope and SHOW DATABASES once; later calls re-read only the sizes', async () => {
    const { session, ran } = recording(rootSession());
    const adapter = mysqlAdapterOn(session);
    const listed = await adapter.listDatabases();
    const sizes = await adapter.databaseSizes();
    // The version (once per adapter) says which InnoDB view holds the tablespaces.
    expect(ran).toEqual([
      'current user',
      'own grants',
      'databases',
      'version',
      'database sizes',
      'tablespaces',
    ]);
    expect(listed.errors).toEqual([]);
    expect(sizes.errors).toEqual([]);
    expect(sizes.items.find((d) => d.databaseName === `${p}_a`)).toMatchObject({
      sizeMb: expect.any(Number),
    });

    ran.length = 0;
    expect(await adapter.listDatabases()).toEqual(listed);
    await adapter.databaseSizes();
    await adapter.tableSizes(`${p}_a`);
    expect(ran).toEqual(['database sizes', 'tablespaces', 'schema exists', 'table sizes', 'tablespaces']);
  });

  it('a scope read that timed out is reported, and asked again by the next call', async () => {
    const timeout = Object.assign(
      new Error('Query execution was interrupted (max_statement_time exceeded)'),
      {
        code: 'ER_STATEMENT_TIMEOUT',
      },
    );
    const { session, ran } = recording(rootSession(), { kind: 'own grants', error: timeout });
    const adapter = mysqlAdapterOn(session);
    const listed = await adapter.listDatabases();
    expect(listed.errors).toEqual([
      expect.objectContaining({ item: 'collector grants', code: 'DATABASE_TIMEOUT' }),
      expect.objectContaining({
        item: 'databases without a privilege of the collector',
        code: 'PERMISSION_DENIED',
      }),
    ]);
    const sizes = await adapter.databaseSizes();
    expect(sizes.errors).toEqual([]);
    expect(ran).toEqual([
      'current user',
      'own grants',
      'databases',
      'current user',
      'own grants',
      'version',
      'database sizes',
      'tablespaces',
    ]);
  });

  it('after close() listDatabases fails although its answer was kept', async () => {
    const adapter = mysqlAdapterOn(rootSession());
    await adapter.listDatabases();
    await adapter.close();
    await expect(adapter.listDatabases()).rejects.toMatchObject({ code: 'DATABASE_CONNECTION_ERROR' });
  });
});
