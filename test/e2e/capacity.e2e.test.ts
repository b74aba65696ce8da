// Capacity over HTTP against the local MariaDB: collect sizes (202 + session_id), read the ledgers and
// daily sizes, aggregate today, read the aggregation, refresh and read table sizes; partitions: health,
// admin-only creation recorded as events, and a cleanup that keeps everything within retention.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { startApiServer, type ApiServer } from '../support/apiServer.js';
import { createCollector, dropCollector } from '../support/mariadbCollector.js';
import { mysqlService, titled } from '../support/services.js';

const service = mysqlService();
const p = `wfc_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };
const dbName = `${p}_db`;

describe.skipIf(!service.url)(titled('capacity over HTTP', service), () => {
  let api: ApiServer;
  let token: string;
  let root: mysql.Connection;
  let instanceId: string;
  type Body = { data: Record<string, unknown> & { session_id?: string } };
  const call = (method: string, path: string, body?: unknown) =>
    api.call<Body>(method, path, { token, body });
  const list = (path: string) => api.call<{ data: Record<string, unknown>[] }>('GET', path, { token });

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: service.url! });
    await createCollector(root, collector.user, collector.password);
    await root.query(`CREATE DATABASE \`${dbName}\``);
    await root.query(`CREATE TABLE \`${dbName}\`.items (id INT PRIMARY KEY, label VARCHAR(200))`);
    const values = Array.from({ length: 500 }, (_, i) => [i, `item-${i}-${'x'.repeat(100)}`]);
    await root.query(`INSERT INTO \`${dbName}\`.items VALUES ?`, [values]);
    await root.query(`ANALYZE TABLE \`${dbName}\`.items`);
    api = await startApiServer();
    token = await api.adminToken();
    const url = new URL(service.url!);
    const cred = await call('POST', '/credentials', {
      name: 'c',
      db_type: 'mysql',
      username: collector.user,
      password: collector.password,
    });
    const inst = await call('POST', '/instances', {
      name: 'c',
      db_type: 'mysql',
      host: url.hostname,
      port: Number(url.port || 3306),
      credential_id: cred.body.data.id,
    });
    instanceId = inst.body.data.id as string;
  });
  afterAll(async () => {
    await api?.stop();
    if (!root) return;
    await dropCollector(root, collector.user);
    await root.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
    await root.end();
  });

  it('collects sizes, aggregates today, and reads aggregations and table sizes', async () => {
    const started = await call('POST', `/instances/${instanceId}/actions/sync-capacity`);
    expect(started.status).toBe(202);
    const sessionId = started.body.data.session_id!;
    await expect
      .poll(async () => (await call('GET', `/sync-sessions/${sessionId}`)).body.data.status, {
        timeout: 30_000,
      })
      .not.toBe('running');
    expect((await call('GET', `/sync-sessions/${sessionId}`)).body.data).toMatchObject({
      status: 'completed',
      sync_category: 'capacity',
    });

    const ledgers = await list(`/databases/ledgers?instance_id=${instanceId}&search=${dbName}`);
    expect(ledgers.status).toBe(200);
    expect(ledgers.body.data).toHaveLength(1);
    expect(ledgers.body.data[0]).toMatchObject({ database_name: dbName, is_active: true });
    expect((ledgers.body.data[0]!.latest_size as { size_mb: number }).size_mb).toBeGreaterThan(0);

    const sizes = await list(`/databases/sizes?instance_id=${instanceId}&database=${dbName}`);
    expect(sizes.status).toBe(200);
    expect(sizes.body.data).toHaveLength(1);

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

    const refreshed = await api.call<{ data: { tables: { table_name: string }[] } }>(
      'POST',
      `/instances/${instanceId}/databases/${dbName}/tables/sizes/actions/refresh`,
      { token },
    );
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.data.tables.map((t) => t.table_name)).toContain('items');
    const tables = await list(`/instances/${instanceId}/databases/${dbName}/tables/sizes`);
    expect(tables.body.data).toEqual([expect.objectContaining({ table_name: 'items' })]);
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
