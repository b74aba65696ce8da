// Every route answers what its OpenAPI schema says (issue 10, item 20). On a server with real data (a
// MariaDB instance synced and collected, an instance that cannot be reached, an aggregation, a table-size
// refresh), every GET route and the writes that made the data are called, and each answer's data is parsed
// with the route's own response schema: it must pass, and parsing must keep every field (a field the
// schema does not name would be stripped, and the answer would differ).
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RouteDefinition } from '../../src/api/route.js';
import { inspectApp, startApiServer, type ApiServer } from '../support/apiServer.js';
import { collectorServer, createCollector, dropCollector } from '../support/mariadbCollector.js';
import { mysqlService, titled } from '../support/services.js';

const service = mysqlService();
const p = `wfr_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };

/** The fields of `sent` that parsing left out of `kept`: what the schema does not name. */
function dropped(sent: unknown, kept: unknown, path: string): string[] {
  if (Array.isArray(sent) && Array.isArray(kept))
    return sent.flatMap((v, i) => dropped(v, kept[i], `${path}[${i}]`));
  if (sent === null || typeof sent !== 'object' || kept === null || typeof kept !== 'object') return [];
  return Object.entries(sent).flatMap(([k, v]) =>
    k in kept ? dropped(v, (kept as Record<string, unknown>)[k], `${path}.${k}`) : [`${path}.${k}`],
  );
}

type Body = { data: Record<string, unknown> & { id?: string; session_id?: string } };

describe.skipIf(!service.url)(titled('every response matches its schema', service), () => {
  let api: ApiServer;
  let token: string;
  let root: mysql.Connection;
  let definitions: readonly RouteDefinition[];
  const problems: string[] = [];
  /** Template path -> how many 2xx answers were checked against its schema. */
  const checked = new Map<string, number>();
  const ids: Record<string, string> = {};
  const sessions: string[] = [];

  const definitionOf = (method: string, template: string) =>
    definitions.find((d) => d.method === method.toLowerCase() && d.path === template);

  /** Calls a route and checks a JSON success answer against the route's response schema. */
  const call = async (method: string, template: string, path = template, body?: unknown) => {
    const route = definitionOf(method, template);
    if (!route) throw new Error(`no route ${method} ${template}`);
    const res = await api.call<Body>(method, path, { token, body });
    const key = `${method} ${template}`;
    if (res.status >= 300) {
      problems.push(`${key} (${path}) -> ${res.status} ${JSON.stringify(res.body)}`);
      return res;
    }
    if (!res.headers.get('content-type')?.includes('application/json')) return res;
    const data: unknown = route.raw ? res.body : res.body.data;
    const schema = route.paged ? z.array(route.response) : route.response;
    const parsed = schema.safeParse(data);
    if (!parsed.success) problems.push(`${key} (${path}): ${z.prettifyError(parsed.error)}`);
    else {
      for (const field of dropped(data, parsed.data, 'data'))
        problems.push(`${key} (${path}): ${field} is not in the schema`);
    }
    checked.set(key, (checked.get(key) ?? 0) + 1);
    return res;
  };

  const waitForSession = async (id: string) => {
    for (const deadline = Date.now() + 60_000; ;) {
      const res = await api.call<Body>('GET', `/sync-sessions/${id}`, { token });
      if (res.body.data.status !== 'running') break;
      if (Date.now() > deadline) throw new Error(`session ${id} still running after 60 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    sessions.push(id);
  };

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: service.url!, multipleStatements: true });
    await createCollector(root, collector.user, collector.password);
    await root.query(
      `CREATE DATABASE \`${p}_db\`; CREATE TABLE \`${p}_db\`.t (id INT PRIMARY KEY, v TEXT); INSERT INTO \`${p}_db\`.t VALUES (1, 'x')`,
    );
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [`${p}_app`, '%', 'x-App-pw-1']);
    await root.query(`GRANT SELECT ON \`${p}_db\`.* TO ?@'%'`, [`${p}_app`]);
    api = await startApiServer({
      CAPACITY_ATTEMPTS: '2',
      CAPACITY_RETRY_BACKOFF_MS: '100',
      WHALEFALL_SCHEDULER: 'on',
    });
    token = await api.adminToken();
    const app = await inspectApp(api.db);
    definitions = app.routes;
    await app.close();

    const server = collectorServer(service.url!, collector);
    ids.credentials = (
      await call('POST', '/credentials', undefined, {
        name: `${p}-collector`,
        db_type: 'mysql',
        username: collector.user,
        password: collector.password,
      })
    ).body.data.id!;
    const register = async (name: string, port: number) =>
      (
        await call('POST', '/instances', undefined, {
          name,
          db_type: 'mysql',
          host: server.host,
          port,
          credential_id: ids.credentials,
        })
      ).body.data.id!;
    ids.instances = await register(`${p}-maria`, server.port);
    // Nothing listens on port 1: its records fail, so the error logs have rows.
    const dead = await register(`${p}-dead`, 1);
    const both = { instance_ids: [ids.instances, dead] };
    // A tag with a category, held by the instance: the tag lists, options, categories and its tags have rows.
    ids.tags = (await call('POST', '/tags', undefined, { name: `${p}-prod`, category: 'env' })).body.data.id!;
    await call('POST', '/tags/bulk/actions/assign', undefined, {
      instance_ids: [ids.instances],
      tag_ids: [ids.tags],
    });
    await call('POST', '/tags/bulk/instance-tags', undefined, { instance_ids: [ids.instances] });

    const accounts = await call('POST', '/instances/actions/sync-accounts', undefined, both);
    await waitForSession(accounts.body.data.session_id!);
    const capacity = await call('POST', '/capacity/actions/collect', undefined, both);
    await waitForSession(capacity.body.data.session_id!);
    const aggregated = await call('POST', '/capacity/aggregations/current', undefined, {
      period_types: ['daily'],
    });
    sessions.push(...(aggregated.body.data.session_ids as string[]));

    const first = async (path: string) =>
      (await api.call<{ data: { id: string }[] }>('GET', path, { token })).body.data[0]?.id;
    ids.accounts = (await first(`/accounts/ledgers?instance_id=${ids.instances}&search=${p}_app`))!;
    ids.databases = (await first(`/databases/ledgers?instance_id=${ids.instances}&search=${p}_db`))!;
    ids.users = (await api.call<Body>('GET', '/auth/me', { token })).body.data.id!;
    // A classification run over the synced instance: the seeded 'super user' holds its superusers.
    const classified = await call('POST', '/accounts/classifications/actions/auto-classify', undefined, {
      instance_ids: [ids.instances],
    });
    await waitForSession(classified.body.data.session_id!);
    sessions.pop(); // nothing fails in it: its error logs would be an empty list
    const classifications = await api.call<{ data: { id: string; name: string }[] }>(
      'GET',
      '/accounts/classifications',
      { token },
    );
    ids.classifications = classifications.body.data.find((c) => c.name === 'super user')!.id;
    ids.rules = (await first(`/accounts/classifications/rules?classification_id=${ids.classifications}`))!;
    const refresh = '/databases/:id/tables/sizes/actions/refresh';
    await call('POST', refresh, refresh.replace(':id', ids.databases));
    const rule = { version: 4, expr: { fn: 'has_privilege', args: { name: 'SELECT', scope: 'database' } } };
    await call('POST', '/accounts/classifications/rules/actions/validate-expression', undefined, {
      expression: rule,
    });
    await call('POST', '/accounts/classifications/rules/actions/evaluate', undefined, {
      expression: rule,
      account_ids: [ids.accounts],
    });
    await call('POST', '/instances/actions/validate-connection-params', undefined, {
      db_type: 'mysql',
      host: server.host,
      username: collector.user,
      password: 'not-sent-back',
    });
    // The scheduler: a job changed, run now and ended (its history has a row), reloaded; and a dead letter
    // as pg-boss leaves one when a run failed every attempt (a real one takes minutes of retry backoff).
    ids.scheduler = 'partition_maintenance';
    const job = '/scheduler/jobs/:id';
    await call('PUT', job, job.replace(':id', ids.scheduler), { cron: '45 0 * * *' });
    await call('POST', `${job}/actions/pause`, `/scheduler/jobs/${ids.scheduler}/actions/pause`);
    await call('POST', `${job}/actions/resume`, `/scheduler/jobs/${ids.scheduler}/actions/resume`);
    await call('POST', `${job}/actions/run`, `/scheduler/jobs/${ids.scheduler}/actions/run`);
    for (const deadline = Date.now() + 60_000; ;) {
      const res = await api.call<Body>('GET', `/scheduler/jobs/${ids.scheduler}`, { token });
      if ((res.body.data.last_run as { ended_at: string | null } | null)?.ended_at) break;
      if (Date.now() > deadline) throw new Error('the partition_maintenance run did not end within 60 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    await call('POST', '/scheduler/actions/reload');
    await api.db.knex.raw(
      `INSERT INTO pgboss.job (name, data, output) VALUES ('whalefall-dead-letter', ?::jsonb, ?::jsonb)`,
      [
        JSON.stringify({ jobId: 'cleanup', tickAt: '2026-12-02T05:00:00.000Z' }),
        JSON.stringify({ message: 'connection refused' }),
      ],
    );
  });
  afterAll(async () => {
    await api?.stop();
    if (!root) return;
    await dropCollector(root, collector.user);
    await root.query('DROP USER IF EXISTS ?@?', [`${p}_app`, '%']);
    await root.query(`DROP DATABASE IF EXISTS \`${p}_db\``);
    await root.end();
  });

  it('made the data it needs: ids of every kind, three sessions', () => {
    expect(Object.keys(ids).sort()).toEqual([
      'accounts',
      'classifications',
      'credentials',
      'databases',
      'instances',
      'rules',
      'scheduler',
      'tags',
      'users',
    ]);
    expect(Object.values(ids).every(Boolean)).toBe(true);
    expect(sessions).toHaveLength(3);
  });

  it('every GET route answers, with data, what its schema says', async () => {
    // A stream route (GET /events/stream) stays open: eventStream.e2e.test.ts checks its events.
    const gets = definitions.filter((d) => d.method === 'get' && !d.stream);
    for (const route of gets) {
      const resource = route.path.startsWith('/accounts/classifications/rules/')
        ? 'rules'
        : route.path.startsWith('/accounts/classifications/')
          ? 'classifications'
          : route.path.split('/')[1]!;
      const targets = !route.path.includes(':')
        ? [route.path]
        : resource === 'sync-sessions'
          ? sessions.map((s) => route.path.replace(':id', s))
          : [route.path.replace(':id', ids[resource]!).replace(':db_type', 'mysql')];
      for (const path of targets) {
        const res = await call('GET', route.path, path);
        // A list with nothing in it would check nothing: each one has rows here.
        if (Array.isArray(res.body.data) && res.body.data.length === 0)
          problems.push(`GET ${path}: an empty list`);
      }
    }
    expect(problems).toEqual([]);
    expect(gets.filter((d) => !checked.has(`GET ${d.path}`) && !d.path.endsWith('/export'))).toEqual([]);
  });
});
