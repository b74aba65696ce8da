// Tags as a new user meets them, over HTTP only, on the built server with the local MariaDB and
// PostgreSQL registered (each through a least-privilege collector) and a third, untagged instance: create
// `prod` and `pci`, assign both to the two instances with one bulk call (the receipt says what each got),
// the same call again is `unchanged`; the instance list, the database ledgers, the capacity aggregations
// and the account ledgers filtered by tag show the tagged instances and never the untagged one; an
// Idempotency-Key retry answers the same receipt, the key with another body is IDEMPOTENCY_KEY_REUSED;
// over 1000 instances is a VALIDATION_ERROR naming the limit; deleting a tag in use is TAG_IN_USE unless
// forced; remove-all; an inactive tag and an instance in the recycle bin; a viewer may read but not tag,
// and without credentials nothing answers.
import { randomBytes, randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer, type CallResult } from '../support/apiServer.js';
import { createCollector, dropCollector } from '../support/mariadbCollector.js';
import { createPostgresCollector, dropPostgresCollector } from '../support/postgresCollector.js';
import { monitoredPostgresService, mysqlService, titled, type ServiceStatus } from '../support/services.js';

const maria = mysqlService();
const postgres = monitoredPostgresService();
const both: ServiceStatus = { url: maria.url && postgres.url, reason: maria.reason ?? postgres.reason };
const p = `wft_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };

type Row = Record<string, unknown>;
type TagRef = { tag_id: string; name: string };
type Receipt = {
  session_id: string;
  ended: boolean;
  counts: { applied: number; unchanged: number; failed: number };
  items: {
    instance_id: string;
    instance_name: string;
    status: string;
    added: TagRef[];
    removed: TagRef[];
    message_code: string | null;
    message: string | null;
  }[];
};
type ErrorBody = { message_code: string; message: string; context?: Row };

describe.skipIf(!both.url)(titled('tags over HTTP, as a new user', both), () => {
  let api: ApiServer;
  let token: string;
  let root: mysql.Connection;
  let admin: pg.Client;
  const ids = { maria: '', postgres: '', plain: '' };
  const tags = { prod: '', pci: '', retry: '' };

  const call = <T = { data: Row }>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<CallResult<T>> => api.call<T>(method, path, { token, body, ...(headers ? { headers } : {}) });
  const bulk = (action: string, body: unknown, headers?: Record<string, string>) =>
    call<{ data: Receipt; message: string }>('POST', `/tags/bulk/actions/${action}`, body, headers);
  /** Every row of a paged list. */
  const all = async (path: string): Promise<Row[]> => {
    const rows: Row[] = [];
    const sep = path.includes('?') ? '&' : '?';
    for (let page = 1; ; page++) {
      const res = await call<{ data: Row[]; meta: { pages: number } }>(
        'GET',
        `${path}${sep}limit=100&page=${page}`,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      rows.push(...res.body.data);
      if (page >= res.body.meta.pages) return rows;
    }
  };
  const instanceIdsOf = (rows: Row[]) => [...new Set(rows.map((r) => r.instance_id as string))].sort();
  const waitForSession = async (id: string) => {
    await expect
      .poll(async () => (await call('GET', `/sync-sessions/${id}`)).body.data.status, { timeout: 60_000 })
      .not.toBe('running');
    return (await call('GET', `/sync-sessions/${id}`)).body.data;
  };
  const register = async (
    name: keyof typeof ids,
    dbType: string,
    url: string,
    defaultPort: number,
    allowDuplicate = false,
  ) => {
    const cred = await call('POST', '/credentials', {
      name,
      db_type: dbType,
      username: collector.user,
      password: collector.password,
    });
    expect(cred.status).toBe(201);
    const { hostname, port } = new URL(url);
    const inst = await call('POST', '/instances', {
      name,
      db_type: dbType,
      host: hostname,
      port: Number(port || defaultPort),
      credential_id: cred.body.data.id,
      allow_duplicate: allowDuplicate,
    });
    expect(inst.status, JSON.stringify(inst.body)).toBe(201);
    ids[name] = inst.body.data.id as string;
  };
  const tagsOf = async (instanceId: string) => {
    const res = await call<{ data: { name: string }[] }>('GET', `/instances/${instanceId}/tags`);
    expect(res.status).toBe(200);
    return res.body.data.map((t) => t.name);
  };
  const names = (refs: TagRef[]) => refs.map((r) => r.name).sort();

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: maria.url! });
    await createCollector(root, collector.user, collector.password);
    admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await createPostgresCollector(admin, collector.user, collector.password);
    api = await startApiServer();
    token = await api.adminToken();
    await register('maria', 'mysql', maria.url!, 3306);
    await register('postgres', 'postgresql', postgres.url!, 5432);
    // The same MariaDB again, never tagged: what every tag filter must leave out.
    await register('plain', 'mysql', maria.url!, 3306, true);
  });
  afterAll(async () => {
    await api?.stop();
    if (root) {
      await dropCollector(root, collector.user);
      await root.end();
    }
    if (admin) {
      await dropPostgresCollector(admin, collector.user);
      await admin.end();
    }
  });

  it('creates prod and pci; the list, options and categories show them', async () => {
    for (const [name, category] of [
      ['prod', 'env'],
      ['pci', 'compliance'],
    ] as const) {
      const res = await call('POST', '/tags', { name, display_name: name.toUpperCase(), category });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.data).toMatchObject({ name, category, is_active: true, instance_count: 0 });
      tags[name] = res.body.data.id as string;
    }
    const dup = await call<ErrorBody>('POST', '/tags', { name: 'PROD' });
    expect([dup.status, dup.body.message_code]).toEqual([409, 'NAME_EXISTS']);
    const bad = await call<ErrorBody>('POST', '/tags', { name: 'not a tag' });
    expect([bad.status, bad.body.message_code]).toEqual([400, 'VALIDATION_ERROR']);

    expect((await all('/tags')).map((t) => t.name)).toEqual(['pci', 'prod']);
    expect((await all('/tags?category=env')).map((t) => t.name)).toEqual(['prod']);
    expect((await all('/tags?search=PC')).map((t) => t.name)).toEqual(['pci']);
    const options = await call<{ data: Row[] }>('GET', '/tags/options');
    expect(options.body.data.map((o) => o.name)).toEqual(['pci', 'prod']);
    const categories = await call<{ data: Row[] }>('GET', '/tags/categories');
    expect(categories.body.data).toEqual([
      { category: 'compliance', count: 1, active_count: 1 },
      { category: 'env', count: 1, active_count: 1 },
    ]);
    const one = await call('GET', `/tags/${tags.prod}`);
    expect(one.body.data).toMatchObject({ id: tags.prod, display_name: 'PROD' });
  });

  it('assigns both tags to both instances with one call; the same call again is unchanged', async () => {
    const body = { instance_ids: [ids.maria, ids.postgres], tag_ids: [tags.prod, tags.pci] };
    const first = await bulk('assign', body);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.data.counts).toEqual({ applied: 2, unchanged: 0, failed: 0 });
    expect(first.body.data.ended).toBe(true);
    expect(first.body.data.items.map((i) => i.instance_id).sort()).toEqual([ids.maria, ids.postgres].sort());
    for (const item of first.body.data.items) {
      expect(item).toMatchObject({ status: 'applied', removed: [], message_code: null });
      expect(names(item.added)).toEqual(['pci', 'prod']);
    }
    const session = await call('GET', `/sync-sessions/${first.body.data.session_id}`);
    expect(session.body.data).toMatchObject({ status: 'completed', sync_category: 'tags' });

    const second = await bulk('assign', body);
    expect(second.status).toBe(200);
    expect(second.body.data.session_id).not.toBe(first.body.data.session_id);
    expect(second.body.data.counts).toEqual({ applied: 0, unchanged: 2, failed: 0 });
    for (const item of second.body.data.items) expect(item).toMatchObject({ status: 'unchanged', added: [] });

    expect(await tagsOf(ids.maria)).toEqual(['pci', 'prod']);
    expect(await tagsOf(ids.plain)).toEqual([]);
    const union = await call<{ data: Row[] }>('POST', '/tags/bulk/instance-tags', {
      instance_ids: [ids.maria, ids.plain],
    });
    expect(union.body.data.map((t) => [t.name, t.instance_count])).toEqual([
      ['pci', 1],
      ['prod', 1],
    ]);
    expect((await all('/tags')).map((t) => [t.name, t.instance_count])).toEqual([
      ['pci', 2],
      ['prod', 2],
    ]);
  });

  it('the instance list filtered by tag=prod,pci: both instances, each row with its tags', async () => {
    const rows = await all('/instances?tag=prod,pci');
    expect(rows.map((r) => r.name).sort()).toEqual(['maria', 'postgres']);
    for (const r of rows) expect((r.tags as { name: string }[]).map((t) => t.name)).toEqual(['pci', 'prod']);
    expect((await all('/instances')).map((r) => r.name).sort()).toEqual(['maria', 'plain', 'postgres']);
  });

  it('capacity, after a collection: ledgers and aggregations filtered by tag leave the untagged out', async () => {
    const started = await call<{ data: { session_id: string } }>('POST', '/capacity/actions/collect', {
      instance_ids: [ids.maria, ids.postgres, ids.plain],
    });
    expect(started.status).toBe(202);
    expect(await waitForSession(started.body.data.session_id)).toMatchObject({ status: 'completed' });
    const tagged = [ids.maria, ids.postgres].sort();

    expect(instanceIdsOf(await all('/databases/ledgers'))).toContain(ids.plain);
    expect(instanceIdsOf(await all('/databases/ledgers?tag=prod'))).toEqual(tagged);
    expect(await all('/databases/ledgers?tag=prod,nosuchtag')).toEqual([]);

    const aggregated = await call('POST', '/capacity/aggregations/current', { period_types: ['daily'] });
    expect(aggregated.status, JSON.stringify(aggregated.body)).toBe(200);
    expect(instanceIdsOf(await all('/capacity/instances?period_type=daily'))).toContain(ids.plain);
    expect(instanceIdsOf(await all('/capacity/instances?period_type=daily&tag=PROD,pci'))).toEqual(tagged);
    const summary = await call('GET', '/capacity/instances/summary?tag=pci');
    expect([summary.status, summary.body.data.count]).toEqual([200, 2]);
  });

  it('accounts, after an account sync: the ledgers filtered by tag leave the untagged out', async () => {
    const started = await call<{ data: { session_id: string } }>('POST', '/instances/actions/sync-accounts', {
      instance_ids: [ids.maria, ids.postgres, ids.plain],
    });
    expect(started.status).toBe(202);
    expect(await waitForSession(started.body.data.session_id)).toMatchObject({ status: 'completed' });
    expect(instanceIdsOf(await all('/accounts/ledgers'))).toContain(ids.plain);
    expect(instanceIdsOf(await all('/accounts/ledgers?tag=pci'))).toEqual([ids.maria, ids.postgres].sort());
  });

  it('Idempotency-Key: a retry answers the same receipt; the key with another body is refused', async () => {
    const created = await call('POST', '/tags', { name: 'retry' });
    expect(created.status).toBe(201);
    tags.retry = created.body.data.id as string;
    const key = { 'Idempotency-Key': `e2e-${randomUUID()}` };
    const body = { instance_ids: [ids.maria], tag_ids: [tags.retry] };
    const first = await bulk('assign', body, key);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.data.counts).toEqual({ applied: 1, unchanged: 0, failed: 0 });
    const retried = await bulk('assign', body, key);
    expect(retried.status).toBe(200);
    expect(retried.body.data).toEqual(first.body.data);
    // Without the key the same body is a new request: a new session, and nothing left to add.
    const fresh = await bulk('assign', body);
    expect(fresh.body.data.session_id).not.toBe(first.body.data.session_id);
    expect(fresh.body.data.counts.unchanged).toBe(1);

    const reused = await bulk('assign', { ...body, instance_ids: [ids.maria, ids.postgres] }, key);
    expect([reused.status, (reused.body as unknown as ErrorBody).message_code]).toEqual([
      422,
      'IDEMPOTENCY_KEY_REUSED',
    ]);
    expect(await tagsOf(ids.postgres)).toEqual(['pci', 'prod']);

    const badKey = await bulk('assign', body, { 'Idempotency-Key': 'k'.repeat(201) });
    expect([badKey.status, (badKey.body as unknown as ErrorBody).message_code]).toEqual([
      400,
      'VALIDATION_ERROR',
    ]);
  });

  it('more than 1000 instances is a VALIDATION_ERROR naming the limit', async () => {
    const many = Array.from({ length: 1001 }, () => randomUUID());
    const res = await bulk('assign', { instance_ids: many, tag_ids: [tags.prod] });
    const error = res.body as unknown as ErrorBody;
    expect([res.status, error.message_code]).toEqual([400, 'VALIDATION_ERROR']);
    expect(error.message).toContain('1000');
    expect(error.context).toMatchObject({ fields: [{ field: 'body.instance_ids' }] });
    const tooManyTags = Array.from({ length: 51 }, () => randomUUID());
    const tagsRes = await bulk('assign', { instance_ids: [ids.maria], tag_ids: tooManyTags });
    expect((tagsRes.body as unknown as ErrorBody).message).toContain('50');
  });

  it('an inactive tag is not assigned (TAG_INACTIVE); reactivated, it is', async () => {
    const off = await call('PUT', `/tags/${tags.retry}`, { is_active: false, color: '#000000' });
    expect(off.status).toBe(200);
    expect(off.body.data).toMatchObject({ is_active: false, color: '#000000', instance_count: 1 });
    expect((await call<{ data: Row[] }>('GET', '/tags/options')).body.data.map((o) => o.name)).toEqual([
      'pci',
      'prod',
    ]);
    expect((await all('/tags?is_active=false')).map((t) => t.name)).toEqual(['retry']);
    const refused = await bulk('assign', { instance_ids: [ids.postgres], tag_ids: [tags.retry] });
    expect([refused.status, (refused.body as unknown as ErrorBody).message_code]).toEqual([
      409,
      'TAG_INACTIVE',
    ]);
    const on = await call('PUT', `/tags/${tags.retry}`, { is_active: true });
    expect(on.body.data).toMatchObject({ is_active: true });
  });

  it('deleting a tag in use is TAG_IN_USE; forced, it leaves every instance', async () => {
    const refused = await call<ErrorBody>('DELETE', `/tags/${tags.pci}`);
    expect([refused.status, refused.body.message_code]).toEqual([409, 'TAG_IN_USE']);
    expect(await tagsOf(ids.maria)).toEqual(['pci', 'prod', 'retry']);

    const forced = await call('DELETE', `/tags/${tags.pci}?force=true`);
    expect(forced.status, JSON.stringify(forced.body)).toBe(200);
    expect(forced.body.data).toEqual({ id: tags.pci, untagged: 2 });
    expect(await tagsOf(ids.maria)).toEqual(['prod', 'retry']);
    expect(await tagsOf(ids.postgres)).toEqual(['prod']);
    expect((await call('GET', `/tags/${tags.pci}`)).status).toBe(404);
    expect(await all('/instances?tag=pci')).toEqual([]);
  });

  it('remove-all takes every tag off the instances; again, it is unchanged', async () => {
    const res = await bulk('remove-all', { instance_ids: [ids.maria, ids.postgres] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.counts).toEqual({ applied: 2, unchanged: 0, failed: 0 });
    const byId = new Map(res.body.data.items.map((i) => [i.instance_id, i]));
    expect(names(byId.get(ids.maria)!.removed)).toEqual(['prod', 'retry']);
    expect(names(byId.get(ids.postgres)!.removed)).toEqual(['prod']);
    expect(await tagsOf(ids.maria)).toEqual([]);
    expect(await tagsOf(ids.postgres)).toEqual([]);
    const again = await bulk('remove-all', { instance_ids: [ids.maria, ids.postgres] });
    expect(again.body.data.counts).toEqual({ applied: 0, unchanged: 2, failed: 0 });

    const removed = await bulk('assign', { instance_ids: [ids.maria], tag_ids: [tags.prod] });
    expect(removed.body.data.counts.applied).toBe(1);
    const off = await bulk('remove', { instance_ids: [ids.maria], tag_ids: [tags.prod] });
    expect(off.body.data.items[0]).toMatchObject({
      status: 'applied',
      removed: [{ tag_id: tags.prod, name: 'prod' }],
    });
  });

  it('an instance in the recycle bin fails alone, INSTANCE_DELETED; the others are tagged', async () => {
    expect((await call('DELETE', `/instances/${ids.plain}`)).status).toBe(200);
    const res = await bulk('assign', { instance_ids: [ids.plain, ids.maria], tag_ids: [tags.prod] });
    expect(res.status).toBe(200);
    expect(res.body.data.counts).toEqual({ applied: 1, unchanged: 0, failed: 1 });
    expect(res.body.data.items.find((i) => i.instance_id === ids.plain)).toMatchObject({
      status: 'failed',
      message_code: 'INSTANCE_DELETED',
    });
  });

  it('batch delete: one receipt per tag', async () => {
    const unknown = randomUUID();
    const res = await call<{ data: Row[] }>('POST', '/tags/actions/batch-delete', {
      tag_ids: [tags.retry, unknown, tags.prod],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toEqual([
      {
        tag_id: tags.retry,
        name: 'retry',
        status: 'deleted',
        untagged: 0,
        message_code: null,
        message: null,
      },
      {
        tag_id: unknown,
        name: null,
        status: 'failed',
        untagged: 0,
        message_code: 'RESOURCE_NOT_FOUND',
        message: expect.any(String),
      },
      {
        tag_id: tags.prod,
        name: 'prod',
        status: 'failed',
        untagged: 0,
        message_code: 'TAG_IN_USE',
        message: expect.any(String),
      },
    ]);
    expect((await all('/tags')).map((t) => t.name)).toEqual(['prod']);
  });

  it('an unknown instance has no tags to show: 404', async () => {
    const res = await call<ErrorBody>('GET', `/instances/${randomUUID()}/tags`);
    expect([res.status, res.body.message_code]).toEqual([404, 'RESOURCE_NOT_FOUND']);
  });

  it('a viewer reads tags but may not tag (403); without credentials, 401', async () => {
    const viewer = await api.userToken('viewer');
    const body = { instance_ids: [ids.maria], tag_ids: [tags.prod] };
    expect((await api.call('GET', '/tags', { token: viewer })).status).toBe(200);
    expect((await api.call('GET', `/instances/${ids.maria}/tags`, { token: viewer })).status).toBe(200);
    for (const action of ['assign', 'remove', 'remove-all']) {
      const res = await api.call<ErrorBody>('POST', `/tags/bulk/actions/${action}`, { token: viewer, body });
      expect([res.status, res.body.message_code]).toEqual([403, 'PERMISSION_DENIED']);
    }
    const create = await api.call<ErrorBody>('POST', '/tags', { token: viewer, body: { name: 'x' } });
    expect(create.status).toBe(403);
    const anonymous = await api.call<ErrorBody>('POST', '/tags/bulk/actions/assign', { body });
    expect([anonymous.status, anonymous.body.message_code]).toEqual([401, 'AUTHENTICATION_REQUIRED']);
    expect((await api.call('GET', '/tags')).status).toBe(401);
    expect(await tagsOf(ids.maria)).toEqual(['prod']);
  });
});
