// The `tag` filter over HTTP, on the built server: instances (each row with its tags), account ledgers and
// the capacity summary accept it; a malformed one is a VALIDATION_ERROR. Until the tag commands exist the
// tag events are appended to the server's log directly, and the server's projections take them in.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { validatingEventStore } from '../../src/adapters/eventStore/validatingEventStore.js';
import { createEventRegistry } from '../../src/domain/eventTypes.js';
import { tagStream } from '../../src/domain/tags/events.js';
import { startApiServer, type ApiServer } from '../support/apiServer.js';
import { testMetadata } from '../support/eventFactory.js';

type List = { data: { name: string; tags: { name: string }[] }[]; meta: { total: number } };

describe('tag filters over HTTP', () => {
  let api: ApiServer;
  let token: string;
  let raw: PostgresEventStore;
  const call = <T = List>(path: string) => api.call<T>('GET', path, { token });

  beforeAll(async () => {
    api = await startApiServer();
    token = await api.adminToken();
    raw = new PostgresEventStore(api.db.pool);
    const store = validatingEventStore(raw, createEventRegistry());
    const append = (stream: string, type: string, data: unknown) =>
      store.append(
        stream,
        [{ eventId: randomUUID(), type, schemaVersion: 1, data, metadata: testMetadata() }],
        {
          expectedRevision: 'any',
        },
      );
    const ids: string[] = [];
    for (const name of ['tagged', 'plain']) {
      const res = await api.call<{ data: { id: string } }>('POST', '/instances', {
        token,
        body: { name, db_type: 'mysql', host: `${name}.example`, port: 1 },
      });
      expect(res.status).toBe(201);
      ids.push(res.body.data.id);
    }
    const prod = randomUUID();
    await append(tagStream(prod), 'TagCreated', {
      tagId: prod,
      name: 'prod',
      displayName: 'Production',
      category: 'env',
      color: 'red',
      description: '',
    });
    await append(`instance-${ids[0]}`, 'InstanceTagged', {
      instanceId: ids[0],
      tags: [{ tagId: prod, name: 'prod' }],
    });
  });
  afterAll(async () => {
    await raw?.close();
    await api?.stop();
  });

  it('instances: filtered by tag, any case, rows with their tags; a malformed tag is refused', async () => {
    await expect
      .poll(async () => (await call('/instances?tag=PROD')).body.data.map((r) => r.name), { timeout: 10_000 })
      .toEqual(['tagged']);
    const all = await call('/instances');
    expect(all.body.data.map((r) => [r.name, r.tags.map((t) => t.name)])).toEqual([
      ['plain', []],
      ['tagged', ['prod']],
    ]);
    expect((await call('/instances?tag=prod,pci')).body.meta.total).toBe(0);
    expect((await call('/instances/actions/export?tag=prod')).body).toContain('"prod"');
    const bad = await call<{ message_code: string }>('/instances?tag=not%20a%20tag');
    expect([bad.status, bad.body.message_code]).toEqual([400, 'VALIDATION_ERROR']);
  });

  it('accounts and capacity accept the filter', async () => {
    const ledgers = await call<{ meta: { total: number } }>('/accounts/ledgers?tag=prod');
    expect([ledgers.status, ledgers.body.meta.total]).toEqual([200, 0]);
    const summary = await call<{ data: { count: number } }>('/capacity/instances/summary?tag=prod');
    expect([summary.status, summary.body.data.count]).toEqual([200, 0]);
    expect((await call('/capacity/databases?tag=prod,pci')).status).toBe(200);
  });

  it('the OpenAPI document names the tag parameter', async () => {
    type Doc = { paths: Record<string, { get?: { parameters?: { name: string }[] } }> };
    const doc = await call<Doc>('/openapi.json');
    expect(doc.status).toBe(200);
    for (const path of ['/instances', '/accounts/ledgers', '/capacity/instances/summary'])
      expect(doc.body.paths[`/api/v1${path}`]?.get?.parameters?.map((p) => p.name)).toContain('tag');
  });
});
