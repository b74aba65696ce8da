// Capacity collection against the local MariaDB: one StatsSaved with every database and the instance total
// (defect 4), sizes that grow when data is added, an instance without databases skipped apart (defect 5),
// and a failed attempt retried with backoff within the run, each attempt an event (defect 3).
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlyDatabases, openCapacityHarness, type CapacityHarness } from '../support/capacityHarness.js';
import { createCollector, dropCollector } from '../support/mariadbCollector.js';
import { mysqlService, titled } from '../support/services.js';

const service = mysqlService();
const p = `wfc_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };

describe.skipIf(!service.url)(titled('capacity collection against MariaDB', service), () => {
  let h: CapacityHarness;
  let root: mysql.Connection;
  let ids: Record<'ours' | 'empty', string>;
  let failSizesOnce = false;

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: service.url!, multipleStatements: true });
    await createCollector(root, collector.user, collector.password);
    for (const name of ['a', 'b']) {
      await root.query(
        `CREATE DATABASE \`${p}_${name}\`; CREATE TABLE \`${p}_${name}\`.t (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(200))`,
      );
    }
    h = await openCapacityHarness((real, row) => {
      const seen = onlyDatabases(real, row.id === ids.ours ? p : 'no-such-prefix');
      return {
        ...seen,
        databaseSizes: async () => {
          if (failSizesOnce) {
            failSizesOnce = false;
            throw new Error('a transient failure');
          }
          return real.databaseSizes();
        },
      };
    });
    const url = new URL(service.url!);
    ids = await h.register(
      {
        dbType: 'mysql',
        host: url.hostname,
        port: Number(url.port || 3306),
        username: collector.user,
        password: collector.password,
      },
      ['ours', 'empty'],
    );
  });
  afterAll(async () => {
    await h?.close();
    if (!root) return;
    await dropCollector(root, collector.user);
    for (const name of ['a', 'b']) await root.query(`DROP DATABASE IF EXISTS \`${p}_${name}\``);
    await root.end();
  });

  it('saves every database and the instance total in one StatsSaved; sizes grow when data is added', async () => {
    const first = await h.collect([ids.ours]);
    expect(first.state.status).toBe('completed');
    const [data] = await h.statsOf(ids.ours);
    expect(data!.databases.map((d) => d.databaseName)).toEqual([`${p}_a`, `${p}_b`]);
    expect(data!.databaseCount).toBe(2);
    expect(data!.totalSizeMb).toBeCloseTo(
      data!.databases.reduce((s, d) => s + d.sizeMb, 0),
      3,
    );

    await root.query(`INSERT INTO \`${p}_a\`.t (v) SELECT REPEAT('x', 200) FROM seq_1_to_20000`);
    await root.query(`ANALYZE TABLE \`${p}_a\`.t`);
    await h.collect([ids.ours]);
    const after = (await h.statsOf(ids.ours)).at(-1)!;
    const sizeOf = (rows: { databaseName: string; sizeMb: number }[]) =>
      rows.find((d) => d.databaseName === `${p}_a`)!.sizeMb;
    expect(sizeOf(after.databases)).toBeGreaterThan(sizeOf(data!.databases) + 3); // 20,000 x 200 bytes = 3.8 MB raw
  });

  it('an instance with no active database is skipped with its reason, counted apart (defect 5)', async () => {
    const session = await h.collect([ids.ours, ids.empty]);
    expect(session.state.records.get(ids.empty)?.status).toBe('skipped');
    expect(session.state.status).toBe('completed');
    const skipped = session.history.find((e) => e.type === 'InstanceSyncSkipped');
    expect(skipped?.data).toMatchObject({ reason: 'no active databases' });
    const completed = session.history.find((e) => e.type === 'SessionCompleted');
    expect(completed?.data).toMatchObject({ counts: { total: 2, completed: 1, skipped: 1, failed: 0 } });
  });

  it('a failed instance is retried with backoff within the run, each attempt an event (defect 3)', async () => {
    failSizesOnce = true;
    const session = await h.collect([ids.ours]);
    const types = session.history.map((e) => e.type);
    expect(types).toEqual([
      'SessionStarted',
      'InstanceSyncStarted',
      'InstanceSyncFailed',
      'SessionCompleted',
      'InstanceSyncRetried',
      'InstanceSyncStarted',
      'InstanceSyncCompleted',
      'SessionCompleted',
    ]);
    expect(session.state.status).toBe('completed');
    expect(session.history.find((e) => e.type === 'InstanceSyncFailed')?.data).toMatchObject({
      phase: 'sizes',
    });
  });
});
