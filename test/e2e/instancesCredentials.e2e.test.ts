// Credentials, instances and connection checks over HTTP, against the local MariaDB and PostgreSQL as
// monitored instances; and the secret-leak audit: a distinctive password must appear in no event, log
// line or response.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollector, dropCollector } from '../support/mariadbCollector.js';
import { mysqlService, postgresService } from '../support/services.js';
import { startApiServer, type ApiServer, type CallResult } from '../support/apiServer.js';

const SECRET = 'Wf-Distinctive-Pa55word-7731';
let api: ApiServer;
let token: string;
const responses: string[] = [];

const call = async <T = { data: Record<string, unknown> }>(
  method: string,
  path: string,
  body?: unknown,
): Promise<CallResult<T>> => {
  const res = await api.call<T>(method, path, { token, body });
  responses.push(typeof res.body === 'string' ? res.body : JSON.stringify(res.body));
  return res;
};

const mysqlUrl = mysqlService().url ? new URL(mysqlService().url!) : undefined;
const pgUrl = new URL(postgresService().url!);

// Collector accounts made for this test, with passwords (root has none, and a credential needs one).
const suffix = randomBytes(4).toString('hex');
const collector = { user: `wf_e2e_${suffix}`, password: `Collector-${suffix}-pw` };

beforeAll(async () => {
  api = await startApiServer({ LOG_LEVEL: 'debug' });
  token = await api.adminToken();
  if (mysqlUrl) {
    const root = await mysql.createConnection({ uri: mysqlUrl.toString() });
    await createCollector(root, collector.user, collector.password);
    await root.end();
  }
  const admin = new pg.Client({ connectionString: pgUrl.toString() });
  await admin.connect();
  await admin.query(`CREATE ROLE ${collector.user} LOGIN PASSWORD '${collector.password}'`);
  await admin.end();
});
afterAll(async () => {
  await api?.stop();
  if (mysqlUrl) {
    const root = await mysql.createConnection({ uri: mysqlUrl.toString() });
    await dropCollector(root, collector.user);
    await root.end();
  }
  const admin = new pg.Client({ connectionString: pgUrl.toString() });
  await admin.connect();
  await admin.query(`DROP ROLE IF EXISTS ${collector.user}`);
  await admin.end();
});

describe('credentials, instances and connections', () => {
  let credentialId: string;
  let instanceId: string;

  it('creates a credential whose password never comes back', async () => {
    const res = await call('POST', '/credentials', {
      name: 'collector',
      db_type: 'mysql',
      username: 'root',
      password: SECRET,
      description: 'local',
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      name: 'collector',
      db_type: 'mysql',
      username: 'root',
      password_set: true,
    });
    credentialId = res.body.data.id as string;
    expect(
      (
        await call('POST', '/credentials', {
          name: 'COLLECTOR',
          db_type: 'mysql',
          username: 'x',
          password: 'y',
        })
      ).body,
    ).toMatchObject({ message_code: 'NAME_EXISTS' });
    expect((await call('GET', `/credentials/${credentialId}`)).status).toBe(200);
    expect(
      (await call<{ data: unknown[] }>('GET', '/credentials?db_type=mysql&search=coll')).body.data,
    ).toHaveLength(1);
  });

  it('registers an instance, validates its credential, lists, updates, deletes and restores it', async () => {
    const bad = await call('POST', '/instances', {
      name: 'x',
      db_type: 'postgresql',
      host: 'h',
      port: 1,
      credential_id: credentialId,
    });
    expect(bad.body).toMatchObject({ message_code: 'VALIDATION_ERROR' });
    const res = await call('POST', '/instances', {
      name: 'maria',
      db_type: 'mysql',
      host: '127.0.0.1',
      port: Number(mysqlUrl?.port || 3306),
      credential_id: credentialId,
    });
    expect(res.status).toBe(201);
    instanceId = res.body.data.id as string;
    expect(
      (await call('POST', '/instances', { name: 'Maria', db_type: 'mysql', host: 'h', port: 1 })).body,
    ).toMatchObject({ message_code: 'NAME_EXISTS' });
    expect(
      (await call('PUT', `/instances/${instanceId}`, { description: 'the local MariaDB' })).body.data,
    ).toMatchObject({ description: 'the local MariaDB' });
    expect(
      (await call<{ data: unknown[]; meta: { total: number } }>('GET', '/instances?db_type=mysql')).body.meta
        .total,
    ).toBe(1);
    expect((await call('DELETE', `/instances/${instanceId}`)).body.data).toMatchObject({
      deleted_at: expect.any(String),
    });
    expect((await call<{ meta: { total: number } }>('GET', '/instances?deleted=true')).body.meta.total).toBe(
      1,
    );
    expect((await call('PUT', `/instances/${instanceId}`, { description: 'x' })).body).toMatchObject({
      message_code: 'CONSTRAINT_VIOLATION',
    });
    expect((await call('POST', `/instances/${instanceId}/actions/restore`)).body.data).toMatchObject({
      deleted_at: null,
    });
  });

  it.skipIf(!mysqlUrl)(
    'a wrong password fails cleanly; the right one connects and records the version',
    async () => {
      const res = await call('POST', '/instances/actions/test-connection', { instance_id: instanceId });
      expect(res.body.data).toMatchObject({ ok: false, error_code: 'DATABASE_CONNECTION_ERROR' });
      expect((await call('GET', `/instances/${instanceId}/connection-status`)).body.data).toMatchObject({
        status: 'failed',
        error_code: 'DATABASE_CONNECTION_ERROR',
      });

      const good = await call('POST', '/credentials', {
        name: 'maria-collector',
        db_type: 'mysql',
        username: collector.user,
        password: collector.password,
      });
      await call('PUT', `/instances/${instanceId}`, { credential_id: good.body.data.id });
      const ok = await call('POST', '/instances/actions/test-connection', { instance_id: instanceId });
      expect(ok.body.data).toMatchObject({
        ok: true,
        version: expect.stringMatching(/MariaDB|^\d+\./),
        latency_ms: expect.any(Number),
      });
      const status = await call('GET', `/instances/${instanceId}/connection-status`);
      expect(status.body.data).toMatchObject({
        status: 'connected',
        main_version: ok.body.data.version,
        error_code: null,
      });
      expect((await call('GET', `/instances/${instanceId}`)).body.data).toMatchObject({
        main_version: ok.body.data.version,
      });
    },
  );

  it('PostgreSQL: the same with a role the test made', async () => {
    const cred = await call('POST', '/credentials', {
      name: 'pg-collector',
      db_type: 'postgresql',
      username: collector.user,
      password: collector.password,
    });
    const inst = await call('POST', '/instances', {
      name: 'local-pg',
      db_type: 'postgresql',
      host: pgUrl.hostname,
      port: Number(pgUrl.port || 5432),
      database_name: 'postgres',
      credential_id: cred.body.data.id,
    });
    const ok = await call('POST', '/instances/actions/test-connection', { instance_id: inst.body.data.id });
    expect(ok.body.data).toMatchObject({ ok: true, version: expect.stringMatching(/^\d+\.\d+/) });
  });

  it.skipIf(!mysqlUrl)(
    'ad-hoc parameters connect without being stored, and a batch gives one result per instance',
    async () => {
      const ok = await call('POST', '/instances/actions/test-connection', {
        db_type: 'mysql',
        host: mysqlUrl!.hostname,
        port: Number(mysqlUrl!.port || 3306),
        username: collector.user,
        password: collector.password,
      });
      expect(ok.body.data).toMatchObject({
        ok: true,
        instance_id: null,
        version: expect.stringMatching(/MariaDB|^\d+\./),
      });
      const pg = await call('POST', '/instances', {
        name: 'pg',
        db_type: 'postgresql',
        host: pgUrl.hostname,
        port: Number(pgUrl.port || 5432),
        allow_duplicate: true, // 'local-pg' monitors the same server
      });
      const batch = await call<{
        data: { results: { instance_id: string; ok: boolean; error_code: string | null }[] };
      }>('POST', '/instances/actions/batch-test-connections', {
        instance_ids: [instanceId, pg.body.data.id, '00000000-0000-4000-8000-000000000000'],
      });
      expect(batch.body.data.results.map((r) => [r.ok, r.error_code])).toEqual([
        [true, null],
        [false, 'VALIDATION_ERROR'], // no credential
        [false, 'RESOURCE_NOT_FOUND'],
      ]);
    },
  );

  it('validates connection parameters without connecting', async () => {
    const good = await call('POST', '/instances/actions/validate-connection-params', {
      db_type: 'postgresql',
      host: 'db.example',
      username: 'u',
      password: 'p',
    });
    expect(good.body.data).toMatchObject({ valid: true, normalized: { port: 5432 } });
    const bad = await call<{ data: { valid: boolean; problems: { field: string }[] } }>(
      'POST',
      '/instances/actions/validate-connection-params',
      { db_type: 'nope', host: '', port: 0 },
    );
    expect(bad.body.data.valid).toBe(false);
    expect(bad.body.data.problems.map((p) => p.field)).toEqual(
      expect.arrayContaining(['db_type', 'host', 'port', 'username']),
    );
  });

  it('batch create and delete report each item, statistics count, CSV exports', async () => {
    const created = await call<{
      data: { results: { ok: boolean; message_code: string | null }[]; created: number };
    }>('POST', '/instances/actions/batch-create', {
      instances: [
        { name: 'b1', db_type: 'oracle', host: 'ora', port: 1521 },
        { name: 'maria', db_type: 'mysql', host: 'h', port: 1 },
        { name: 'b2', db_type: 'sqlserver', host: 'ms', port: 1433, extra: true },
      ],
    });
    expect(created.body.data.results.map((r) => r.message_code)).toEqual([
      null,
      'NAME_EXISTS',
      'VALIDATION_ERROR',
    ]);
    const stats = await call('GET', '/instances/statistics');
    expect(stats.body.data).toMatchObject({ by_db_type: { mysql: 1, oracle: 1, postgresql: 2 } });
    const csv = await api.call<string>('GET', '/instances/actions/export', { token });
    responses.push(csv.body);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.body.split('\r\n')[0]).toMatch(/^id,name,db_type,host,port/);
    const list = await call<{ data: { id: string; name: string }[] }>('GET', '/instances?search=b1');
    const del = await call<{ data: { deleted: number; failed: number } }>(
      'POST',
      '/instances/actions/batch-delete',
      { ids: [list.body.data[0]!.id, '00000000-0000-4000-8000-000000000000'] },
    );
    expect(del.body.data).toMatchObject({ deleted: 1, failed: 1 });
  });

  it('the distinctive password is in no event, audit row, log line or response', async () => {
    const events = await api.db.knex.raw<{ rows: unknown[] }>(
      `SELECT 1 FROM events WHERE data::text LIKE ? OR metadata::text LIKE ?`,
      [`%${SECRET}%`, `%${SECRET}%`],
    );
    expect(events.rows).toEqual([]);
    const secrets = await api.db.knex('credential_secrets').select('sealed');
    expect(secrets.length).toBeGreaterThan(0);
    for (const s of secrets) expect(String(s.sealed)).not.toContain(SECRET);
    for (const body of responses) expect(body).not.toContain(SECRET);
    expect(api.server.output()).not.toContain(SECRET);
    expect(api.server.output().length).toBeGreaterThan(0);
  });
});
