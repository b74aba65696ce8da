// GET /metrics of the built server: a 404 while METRICS_TOKEN is unset; with it set, 401 (the error
// envelope) without the token or with another one, and 200 in the Prometheus text format with the token:
// the process's default metrics, the request histogram labelled by route pattern (never by the URL), and
// after an account sync and a capacity collection of the local MariaDB the records, the instance's
// connection and the collection durations.
import { randomBytes, randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../support/apiServer.js';
import { registerCollector, syncAccountsAndWait } from '../support/apiInstances.js';
import { createCollector, dropCollector } from '../support/mariadbCollector.js';
import { mysqlService, titled } from '../support/services.js';

const METRICS_TOKEN = `metrics-${randomBytes(12).toString('hex')}`;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a text exposition (lines other than # comments: name{labels} value). */
function samples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [
          l[1]!,
          l[2]!,
        ]),
      );
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

const scrape = async (api: ApiServer, authorization?: string) => {
  const res = await fetch(`${api.server.baseUrl}/metrics`, {
    headers: authorization === undefined ? {} : { authorization },
  });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text(), res };
};

const find = (all: Sample[], name: string, labels: Record<string, string>) =>
  all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

describe('GET /metrics without METRICS_TOKEN', () => {
  let api: ApiServer;
  beforeAll(async () => {
    api = await startApiServer();
  });
  afterAll(async () => api?.stop());

  it('answers 404 as an unknown path does, whatever the Authorization header', async () => {
    for (const authorization of [undefined, 'Bearer anything-at-all-here']) {
      const res = await scrape(api, authorization);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.text)).toMatchObject({ success: false, message_code: 'RESOURCE_NOT_FOUND' });
    }
  });
});

const service = mysqlService();
const p = `wfm_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };

describe.skipIf(!service.url)(titled('GET /metrics with METRICS_TOKEN', service), () => {
  let api: ApiServer;
  let token: string;
  let root: mysql.Connection;
  let instanceId: string;
  const metrics = async () => {
    const res = await scrape(api, `Bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(200);
    return samples(res.text);
  };

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: service.url! });
    await createCollector(root, collector.user, collector.password);
    api = await startApiServer({ METRICS_TOKEN });
    token = await api.adminToken();
    instanceId = await registerCollector(api, token, `${p}-maria`, service.url!, collector);
  });
  afterAll(async () => {
    await api?.stop();
    await dropCollector(root, collector.user);
    await root.end();
  });

  it.each([
    ['no Authorization header', undefined, 'no credentials'],
    ['another token', `Bearer ${METRICS_TOKEN}x`, 'wrong metrics token'],
    ['a login token', 'login', 'wrong metrics token'],
    ['the token in another scheme', `Basic ${METRICS_TOKEN}`, 'wrong metrics token'],
  ])('refuses %s with 401 in the error envelope', async (_what, authorization, reason) => {
    const res = await scrape(api, authorization === 'login' ? `Bearer ${token}` : authorization);
    expect(res.status).toBe(401);
    expect(res.res.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    const body = JSON.parse(res.text);
    expect(body).toMatchObject({
      success: false,
      message_code: 'AUTHENTICATION_REQUIRED',
      context: { reason },
    });
    expect(res.text).not.toContain(METRICS_TOKEN);
  });

  it('answers the Prometheus text format with the token: default, HTTP and whalefall metrics', async () => {
    const res = await scrape(api, `Bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    for (const type of [
      '# TYPE process_cpu_user_seconds_total counter',
      '# TYPE nodejs_eventloop_lag_seconds gauge',
      '# TYPE http_request_duration_seconds histogram',
      '# TYPE whalefall_projection_lag_events gauge',
      '# TYPE whalefall_session_records_total gauge',
      '# TYPE whalefall_instance_up gauge',
      '# TYPE whalefall_collection_duration_seconds histogram',
      '# TYPE whalefall_scheduler_last_run_timestamp gauge',
      '# TYPE whalefall_metrics_source_up gauge',
    ])
      expect(res.text).toContain(type);
    const all = samples(res.text);
    expect(find(all, 'whalefall_metrics_source_up', {}).map((s) => [s.labels.source, s.value])).toEqual([
      ['projection_lag', 1],
      ['session_records', 1],
      ['instance_up', 1],
      ['collection_duration', 1],
      ['scheduler_runs', 1],
    ]);
    const lags = find(all, 'whalefall_projection_lag_events', {});
    expect(lags.map((s) => s.labels.projection)).toEqual(
      expect.arrayContaining(['instances', 'sync_sessions']),
    );
  });

  it('labels API requests by route pattern, never by their URL', async () => {
    const ids = [randomUUID(), randomUUID()];
    for (const id of ids)
      expect((await api.call('GET', `/instances/${id}?x=${id}`, { token })).status).toBe(404);
    expect((await api.call('GET', `/instances/${instanceId}`, { token })).status).toBe(200);
    const all = await metrics();
    const counts = find(all, 'http_request_duration_seconds_count', {
      method: 'GET',
      route: '/api/v1/instances/:id',
    });
    expect(Object.fromEntries(counts.map((s) => [s.labels.status, s.value]))).toEqual({ '200': 1, '404': 2 });
    const routes = new Set(find(all, 'http_request_duration_seconds_count', {}).map((s) => s.labels.route));
    expect(routes).toContain('/api/v1/auth/login');
    for (const route of routes)
      expect(route === 'unmatched' || /^\/(api\/v1\/|metrics$)/.test(route!)).toBe(true);
    const text = (await scrape(api, `Bearer ${METRICS_TOKEN}`)).text;
    for (const id of [...ids, instanceId]) expect(text).not.toContain(`route="/api/v1/instances/${id}`);
    for (const id of ids) expect(text).not.toContain(id);
  });

  it('after an account sync and a capacity collection: records, the instance up, collection durations', async () => {
    const sessionId = await syncAccountsAndWait(api, token, instanceId);
    const session = await api.call<{ data: { status: string } }>('GET', `/sync-sessions/${sessionId}`, {
      token,
    });
    expect(session.body.data.status).toBe('completed');
    const capacity = await api.call<{ data: { session_id: string } }>(
      'POST',
      `/instances/${instanceId}/actions/sync-capacity`,
      { token },
    );
    expect(capacity.status).toBe(202);
    const value = (all: Sample[], name: string, labels: Record<string, string>) =>
      find(all, name, labels)[0]?.value;
    await expect
      .poll(
        async () => {
          const all = await metrics();
          return {
            account: value(all, 'whalefall_session_records_total', {
              category: 'account',
              status: 'completed',
            }),
            capacity: value(all, 'whalefall_session_records_total', {
              category: 'capacity',
              status: 'completed',
            }),
            up: value(all, 'whalefall_instance_up', { instance: `${p}-maria`, instance_id: instanceId }),
            accountDurations: value(all, 'whalefall_collection_duration_seconds_count', {
              category: 'account',
              engine: 'mysql',
            }),
            capacityDurations: value(all, 'whalefall_collection_duration_seconds_count', {
              category: 'capacity',
              engine: 'mysql',
            }),
          };
        },
        { timeout: 30_000, interval: 500 },
      )
      .toEqual({ account: 1, capacity: 1, up: 1, accountDurations: 1, capacityDurations: 1 });

    const all = await metrics();
    const buckets = find(all, 'whalefall_collection_duration_seconds_bucket', {
      category: 'account',
      engine: 'mysql',
    });
    expect(buckets.at(-1)).toMatchObject({ labels: { le: '+Inf' }, value: 1 });
    expect(buckets.map((b) => b.value)).toEqual([...buckets.map((b) => b.value)].sort((a, b) => a - b));
    expect(value(all, 'whalefall_collection_duration_seconds_sum', { category: 'account' })).toBeGreaterThan(
      0,
    );
  });

  it('answers within its budget while a read table is locked, and says which sources are missing', async () => {
    const lock = await api.db.knex.transaction();
    try {
      await lock.raw('LOCK TABLE sync_instance_records IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const all = await metrics();
      expect(Date.now() - started).toBeLessThan(5000);
      const up = Object.fromEntries(
        find(all, 'whalefall_metrics_source_up', {}).map((s) => [s.labels.source, s.value]),
      );
      expect(up).toEqual({
        projection_lag: 1,
        session_records: 0,
        instance_up: 1,
        collection_duration: 0,
        scheduler_runs: 1,
      });
      expect(find(all, 'whalefall_session_records_total', {})).toEqual([]);
      expect(find(all, 'whalefall_instance_up', { instance_id: instanceId })).toHaveLength(1);
    } finally {
      await lock.rollback();
    }
    expect(find(await metrics(), 'whalefall_session_records_total', {}).length).toBeGreaterThan(0);
  });
});
