// Capacity collection with PostgreSQL as the monitored instance (TEST_PG_MONITORED_URL): a collector with
// the least privileges of docs/engines.md sizes two databases of a known volume, one of them closed to
// PUBLIC; one StatsSaved per collection holds both and the instance total (defect 4); sizes cover the
// bytes loaded, agree with pg_database_size, and grow by at least the bytes added.
// "defect N": docs/defects.md.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlyDatabases, openCapacityHarness, type CapacityHarness } from '../support/capacityHarness.js';
import {
  addRows,
  createLoadedDatabase,
  createPostgresCollector,
  databaseSizeMb,
  dropDatabases,
  dropPostgresCollector,
  MB,
  onDatabase,
  ROW_PAYLOAD_BYTES,
} from '../support/postgresCollector.js';
import { monitoredPostgresService, titled } from '../support/services.js';

const service = monitoredPostgresService();
const p = `wfc_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };
const A = `${p}_a`;
const B = `${p}_b`; // CONNECT revoked from PUBLIC: sized only thanks to pg_read_all_stats
const ROWS = { [A]: 100_000, [B]: 50_000 };
const ADDED = 100_000;
const rawMb = (rows: number) => (rows * ROW_PAYLOAD_BYTES) / MB;
const TOLERANCE_MB = 1; // free-space and visibility maps autovacuum may add between two reads

describe.skipIf(!service.url)(titled('capacity collection against PostgreSQL', service), () => {
  let h: CapacityHarness;
  let admin: pg.Client;
  let id: string;
  const sizeIn = (rows: { databaseName: string; sizeMb: number }[], name: string) =>
    rows.find((d) => d.databaseName === name)?.sizeMb;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: service.url });
    await admin.connect();
    await createPostgresCollector(admin, collector.user, collector.password);
    for (const name of [A, B]) await createLoadedDatabase(service.url!, name, ROWS[name]!);
    await admin.query(`REVOKE CONNECT ON DATABASE ${admin.escapeIdentifier(B)} FROM PUBLIC`);
    h = await openCapacityHarness((real) => onlyDatabases(real, p));
    const url = new URL(service.url!);
    const server = { dbType: 'postgresql' as const, host: url.hostname, port: Number(url.port || 5432) };
    ({ pg: id } = await h.register({ ...server, username: collector.user, password: collector.password }, [
      'pg',
    ]));
  });
  afterAll(async () => {
    await h?.close();
    if (!admin) return;
    await dropDatabases(service.url!, [A, B]);
    await dropPostgresCollector(admin, collector.user);
    await admin.end();
  });

  it('one StatsSaved holds both databases and their total; sizes cover the bytes loaded', async () => {
    const session = await h.collect([id]);
    expect(session.state.status).toBe('completed');
    const stats = await h.statsOf(id);
    expect(stats).toHaveLength(1);
    const [data] = stats;
    expect(data!.databases.map((d) => d.databaseName)).toEqual([A, B]);
    expect(data!.databaseCount).toBe(2);
    expect(data!.totalSizeMb).toBeCloseTo(
      data!.databases.reduce((s, d) => s + d.sizeMb, 0),
      3,
    );
    for (const name of [A, B]) {
      const reported = sizeIn(data!.databases, name)!;
      expect(reported).toBeGreaterThanOrEqual(rawMb(ROWS[name]!));
      expect(Math.abs(reported - (await databaseSizeMb(admin, name)))).toBeLessThan(TOLERANCE_MB);
    }
  });

  it('sizes grow by at least the bytes added; the database left alone stays the same', async () => {
    const [before] = await h.statsOf(id);
    await onDatabase(service.url!, A, (c) => addRows(c, ADDED));
    const session = await h.collect([id]);
    expect(session.state.status).toBe('completed');
    const stats = await h.statsOf(id);
    expect(stats).toHaveLength(2); // one per collection
    const after = stats[1]!;
    expect(after.totalSizeMb).toBeCloseTo(
      after.databases.reduce((s, d) => s + d.sizeMb, 0),
      3,
    );
    const grown = sizeIn(after.databases, A)! - sizeIn(before!.databases, A)!;
    expect(grown).toBeGreaterThanOrEqual(rawMb(ADDED)); // 100,000 x 192 bytes = 18.3 MB raw
    expect(Math.abs(sizeIn(after.databases, B)! - sizeIn(before!.databases, B)!)).toBeLessThan(TOLERANCE_MB);
    expect(Math.abs(sizeIn(after.databases, A)! - (await databaseSizeMb(admin, A)))).toBeLessThan(
      TOLERANCE_MB,
    );
  });
});
