// MariaDB sizes are right the moment they are collected (issue 10, C14): a database loaded just before a
// collection, with no ANALYZE TABLE, is sized from its InnoDB tablespace file, within 10 % of the file's
// size, and the figure says so; a collector without PROCESS falls back to TABLES and says that too.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlyDatabases, openCapacityHarness, type CapacityHarness } from '../support/capacityHarness.js';
import { createCollector, dropCollector } from '../support/mariadbCollector.js';
import { mysqlService, titled } from '../support/services.js';

const service = mysqlService();
const p = `wfz_${randomBytes(3).toString('hex')}`;
const LOADED = `${p}_loaded`;
const MB = 1_048_576;
const withProcess = { user: `${p}_proc`, password: `Proc-${p}-pw` };
const without = { user: `${p}_plain`, password: `Plain-${p}-pw` };
const hosts = ['%', 'localhost', '127.0.0.1'];

interface Figure {
  databaseName: string;
  sizeMb: number;
  sizeMethod?: string;
}

describe.skipIf(!service.url)(titled('MariaDB sizes at collection time', service), () => {
  let h: CapacityHarness;
  let root: mysql.Connection;
  let ids: { process: string; plain: string };

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: service.url!, multipleStatements: true });
    for (const c of [withProcess, without]) await createCollector(root, c.user, c.password);
    // The collector of docs/engines.md holds PROCESS; the other one is denied it.
    for (const host of hosts) await root.query('REVOKE PROCESS ON *.* FROM ?@?', [without.user, host]);
    await root.query(`CREATE DATABASE \`${LOADED}\``);
    await root.query(
      `CREATE TABLE \`${LOADED}\`.blobs (id INT PRIMARY KEY, payload VARBINARY(1000) NOT NULL) ENGINE=InnoDB`,
    );
    await root.query(`CREATE TABLE \`${LOADED}\`.legacy (id INT PRIMARY KEY, v VARCHAR(100)) ENGINE=MyISAM`);
    h = await openCapacityHarness((real) => onlyDatabases(real, p));
    const url = new URL(service.url!);
    const server = (c: { user: string; password: string }) => ({
      dbType: 'mysql' as const,
      host: url.hostname,
      port: Number(url.port || 3306),
      username: c.user,
      password: c.password,
    });
    ids = {
      ...(await h.register(server(withProcess), ['process'])),
      ...(await h.register(server(without), ['plain'])),
    };
  });
  afterAll(async () => {
    await h?.close();
    if (!root) return;
    for (const c of [withProcess, without]) await dropCollector(root, c.user);
    await root.query(`DROP DATABASE IF EXISTS \`${LOADED}\``);
    await root.end();
  });

  /** What the server's tablespace files hold for the database (as root reads them), in MB. */
  const filesMb = async () => {
    const [rows] = await root.query<mysql.RowDataPacket[]>(
      `SELECT SUM(ALLOCATED_SIZE) AS bytes FROM information_schema.INNODB_SYS_TABLESPACES WHERE NAME LIKE ?`,
      [`${LOADED}/%`],
    );
    return Number(rows[0]!.bytes) / MB;
  };

  it('20 MB loaded and collected at once: within 10 % of the files, measured from the tablespace', async () => {
    await root.query(`INSERT INTO \`${LOADED}\`.blobs SELECT seq, RANDOM_BYTES(1000) FROM seq_1_to_20000`);
    const session = await h.collect([ids.process]);
    expect(session.state.status).toBe('completed');
    const files = await filesMb();
    expect(files).toBeGreaterThan(19);
    const [stats] = await h.statsOf(ids.process);
    const loaded = (stats!.databases as Figure[]).find((d) => d.databaseName === LOADED)!;
    expect(Math.abs(loaded.sizeMb - files) / files).toBeLessThan(0.1);
    // The MyISAM table is sized from TABLES, the InnoDB one from its file.
    expect(loaded.sizeMethod).toBe('mixed');
    const completed = session.history.find((e) => e.type === 'InstanceSyncCompleted')!.data as {
      details: Record<string, unknown>;
    };
    expect(completed.details).toMatchObject({ sizeErrors: [], sizeMethods: { mixed: 1 } });
  });

  it('without PROCESS: sizes from TABLES, recorded as such, with the grant it lacks named', async () => {
    const session = await h.collect([ids.plain]);
    expect(session.state.status).toBe('completed');
    const [stats] = await h.statsOf(ids.plain);
    expect((stats!.databases as Figure[]).map((d) => d.sizeMethod)).toEqual(['tables']);
    const completed = session.history.find((e) => e.type === 'InstanceSyncCompleted')!.data as {
      details: { sizeErrors: { item: string; code: string; message: string }[] };
    };
    expect(completed.details.sizeErrors).toEqual([
      expect.objectContaining({
        item: 'information_schema.INNODB_SYS_TABLESPACES',
        code: 'PERMISSION_DENIED',
        message: expect.stringContaining('PROCESS') as unknown,
      }),
    ]);
  });
});
