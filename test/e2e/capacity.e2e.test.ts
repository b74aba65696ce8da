// Capacity over HTTP against the local MariaDB: collect sizes (202 + session_id), read the ledgers and
// daily sizes, aggregate today, read the aggregation; refresh and read table sizes by database id (404,
// 403, a vanished database refused); partitions: health, admin-only creation recorded as events, and a
// cleanup that keeps everything within retention.
import { randomBytes, randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { startApiServer, type ApiServer } from '../support/apiServer.js';
import { registerCollector } from '../support/apiInstances.js';
import { createCollector, dropCollector, setCollectorPassword } from '../support/mariadbCollector.js';
import { mysqlService, titled } from '../support/services.js';

const service = mysqlService();
const p = `wfc_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };
const dbName = `${p}_db`;
/** Seen by the first collection, dropped before the second. */
const goneName = `${p}_gone`;

describe.skipIf(!service.url)(titled('capacity over HTTP', service), () => {
  let api: ApiServer;
  let token: string;
  let root: mysql.Connection;
  let instanceId: string;
  type Body = { data: Record<string, unknown> & { session_id?: string } };
  const call = (method: string, path: string, body?: unknown) =>
    api.call<Body>(method, path, { token, body });
  const list = (path: string) => api.call<{ data: Record<string, unknown>[] }>('GET', path, { token });
  /** One capacity collection of the instance, to its end; the session's final status. */
  const collect = async () => {
    const started = await call('POST', `/instances/${instanceId}/actions/sync-capacity`);
    expect(started.status).toBe(202);
    const sessionId = started.body.data.session_id!;
    await expect
      .poll(async () => (await call('GET', `/sync-sessions/${sessionId}`)).body.data.status, {
        timeout: 30_000,
      })
      .not.toBe('running');
    return (await call('GET', `/sync-sessions/${sessionId}`)).body.data;
  };

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: service.url! });
    await createCollector(root, collector.user, collector.password);
    await root.query(`CREATE DATABASE \`${dbName}\``);
    await root.query(`CREATE TABLE \`${dbName}\`.items (id INT PRIMARY KEY, label VARCHAR(200))`);
    const values = Array.from({ length: 500 }, (_, i) => [i, `item-${i}-${'x'.repeat(100)}`]);
    await root.query(`INSERT INTO \`${dbName}\`.items VALUES ?`, [values]);
    // A second, empty table: smaller than items, so it comes second (largest first).
    await root.query(`CREATE TABLE \`${dbName}\`.notes (id INT PRIMARY KEY)`);
    await root.query(`ANALYZE TABLE \`${dbName}\`.items, \`${dbName}\`.notes`);
    await root.query(`CREATE DATABASE \`${goneName}\``);
    api = await startApiServer();
    token = await api.adminToken();
    instanceId = await registerCollector(api, token, 'c', service.url!, collector);
  });
  afterAll(async () => {
    await api?.stop();
    if (!root) return;
    await dropCollector(root, collector.user);
    await root.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
    await root.query(`DROP DATABASE IF EXISTS \`${goneName}\``);
    await root.end();
  });

  it('collects sizes, aggregates today, and reads the ledgers and aggregations', async () => {
    expect(await collect()).toMatchObject({ status: 'completed', sync_category: 'capacity' });

    const ledgers = await list(`/databases/ledgers?instance_id=${instanceId}&search=${dbName}`);
    expect(ledgers.status).toBe(200);
    expect(ledgers.body.data).toHaveLength(1);
    expect(ledgers.body.data[0]).toMatchObject({
      id: expect.any(String),
      database_name: dbName,
      is_active: true,
    });
    expect((ledgers.body.data[0]!.latest_size as { size_mb: number }).size_mb).toBeGreaterThan(0);
    const databaseId = ledgers.body.data[0]!.id;

    const sizes = await list(`/databases/sizes?instance_id=${instanceId}&database=${dbName}`);
    expect(sizes.status).toBe(200);
    expect(sizes.body.data).toEqual([
      expect.objectContaining({ database_id: databaseId, database_name: dbName }),
    ]);
    const allSizes = await list(`/databases/sizes?database=${dbName}`);
    expect(allSizes.body.data).toEqual([
      expect.objectContaining({ database_id: databaseId, instance_id: instanceId }),
    ]);

    const today = new Date().toISOString().slice(0, 10);
    const agg = await call('POST', '/capacity/aggregations', { period_type: 'daily', period_start: today });
    expect(agg.status).toBe(200);
    expect(agg.body.data).toMatchObject({ period: { type: 'daily', start: today } });
    expect(typeof agg.body.data.partial).toBe('boolean');
    expect(agg.body.data.included).toContain(instanceId);

    const rows = await list(`/capacity/instances?period_type=daily&instance_id=${instanceId}`);
    expect(rows.status).toBe(200);
    expect(rows.body.data[0]).toMatchObject({ instance_id: instanceId, period_start: today });
    const dbRows = await list(`/capacity/databases?period_type=daily&database=${dbName}`);
    expect(dbRows.body.data[0]).toMatchObject({ instance_id: instanceId, database_name: dbName });
    const summary = await call('GET', '/capacity/instances/summary?period_type=daily');
    expect(summary.body.data).toMatchObject({ period_start: today, count: 1 });
  });

  it('table sizes by database id: refresh then read; 404, 403 and a vanished database refused', async () => {
    type Snapshot = {
      database: Record<string, unknown>;
      tables: { table_name: string; size_mb: number }[];
      errors?: unknown[];
    };
    const ledgerId = async (name: string) =>
      (await list(`/databases/ledgers?instance_id=${instanceId}&search=${name}`)).body.data[0]!.id as string;
    const id = await ledgerId(dbName);
    const path = `/databases/${id}/tables/sizes`;

    const before = await api.call<{ data: Snapshot }>('GET', path, { token });
    expect(before.status).toBe(200);
    expect(before.body.data).toEqual({
      database: {
        id,
        instance_id: instanceId,
        instance_name: 'c',
        database_name: dbName,
        is_active: true,
        collected_at: null,
      },
      tables: [],
    });

    const viewer = await api.userToken('viewer');
    const denied = await api.call('POST', `${path}/actions/refresh`, { token: viewer });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ success: false, message_code: 'PERMISSION_DENIED' });

    const refreshed = await api.call<{ data: Snapshot }>('POST', `${path}/actions/refresh`, { token });
    expect(refreshed.status).toBe(200);
    expect(JSON.stringify(refreshed.body)).not.toContain(collector.password);
    const { errors, ...snapshot } = refreshed.body.data;
    expect(errors).toEqual([]);
    expect(snapshot.database).toMatchObject({ id, database_name: dbName, collected_at: expect.any(String) });
    expect(snapshot.tables.map((t) => t.table_name)).toEqual(['items', 'notes']);
    expect(snapshot.tables[0]!.size_mb).toBeGreaterThan(snapshot.tables[1]!.size_mb);
    // A viewer reads what the refresh recorded, and so does the event log.
    const read = await api.call<{ data: Snapshot }>('GET', path, { token: viewer });
    expect(read.body.data).toEqual(snapshot);
    const events = await new PostgresEventStore(api.db.pool).readStream(`capacity-${instanceId}`);
    expect(events.at(-1)).toMatchObject({
      type: 'TableSizesSaved',
      data: { instanceId, databaseName: dbName, collectedAt: snapshot.database.collected_at },
    });

    const unknown = randomUUID();
    for (const [method, p] of [
      ['GET', `/databases/${unknown}/tables/sizes`],
      ['POST', `/databases/${unknown}/tables/sizes/actions/refresh`],
    ] as const) {
      const res = await call(method, p);
      expect(res.status, `${method} ${p}`).toBe(404);
      expect(res.body).toMatchObject({
        success: false,
        message_code: 'RESOURCE_NOT_FOUND',
        message: `database ${unknown} does not exist`,
        error_id: expect.any(String),
      });
    }
    expect((await call('GET', '/databases/not-a-uuid/tables/sizes')).status).toBe(400);

    // The database is dropped on the server: the next inventory marks it gone, and a refresh is refused.
    const goneId = await ledgerId(goneName);
    await root.query(`DROP DATABASE \`${goneName}\``);
    expect(await collect()).toMatchObject({ status: 'completed' });
    const gone = await call('POST', `/databases/${goneId}/tables/sizes/actions/refresh`);
    expect(gone.status).toBe(409);
    expect(gone.body).toMatchObject({
      message_code: 'CONSTRAINT_VIOLATION',
      message: expect.stringContaining(`database ${goneName} of instance c was gone`),
      context: { database_id: goneId, is_active: false },
    });

    // The collector's password changed on the server: the engine's code travels, the password never does.
    await setCollectorPassword(root, collector.user, `${collector.password}-changed`);
    const failed = await call('POST', `${path}/actions/refresh`);
    expect(failed.status).toBe(409);
    expect(failed.body).toMatchObject({ message_code: 'DATABASE_CONNECTION_ERROR' });
    expect(JSON.stringify(failed.body)).not.toContain(collector.password);

    // A deleted instance's databases cannot be refreshed either; their last snapshot stays readable.
    expect((await call('DELETE', `/instances/${instanceId}`)).status).toBe(200);
    const deleted = await call('POST', `${path}/actions/refresh`);
    expect(deleted.status).toBe(404);
    expect(deleted.body).toMatchObject({ message_code: 'RESOURCE_NOT_FOUND' });
    expect((await api.call<{ data: Snapshot }>('GET', path, { token })).body.data.tables).toHaveLength(2);
  });

  it('partitions: healthy, created by an admin only (as events), cleanup within retention drops nothing', async () => {
    const status = await call('GET', '/partitions/status');
    expect(status.status).toBe(200);
    expect(status.body.data).toMatchObject({ healthy: true, missing: [] });

    const viewer = await api.userToken('viewer');
    const denied = await api.call('POST', '/partitions', { token: viewer, body: { months_ahead: 4 } });
    expect(denied.status).toBe(403);

    const created = await api.call<{ data: { created: { table: string; partition: string }[] } }>(
      'POST',
      '/partitions',
      { token, body: { months_ahead: 4 } },
    );
    expect(created.status).toBe(200);
    expect(created.body.data.created).toHaveLength(2);
    const events = await new PostgresEventStore(api.db.pool).readStream('partitions');
    expect(events.map((e) => e.type)).toEqual(['PartitionCreated', 'PartitionCreated']);
    expect(events.map((e) => (e.data as { partition: string }).partition).sort()).toEqual(
      created.body.data.created.map((c) => c.partition).sort(),
    );
    expect(events[0]!.metadata.actor.kind).toBe('user');

    const again = await api.call<{ data: { created: unknown[] } }>('POST', '/partitions', {
      token,
      body: { months_ahead: 4 },
    });
    expect(again.body.data.created).toEqual([]);

    const cleanup = await api.call<{ data: { dropped: unknown[] } }>('POST', '/partitions/actions/cleanup', {
      token,
      body: { retention_months: 120 },
    });
    expect(cleanup.status).toBe(200);
    expect(cleanup.body.data.dropped).toEqual([]);

    const stats = await call('GET', '/partitions/statistics');
    expect(stats.body.data.partitions).toBe(12); // 5 months + default, for each of the two tables
    const page = await list('/partitions?table=instance_size_stats&limit=100');
    expect(page.body.data).toHaveLength(6);
  });
});
