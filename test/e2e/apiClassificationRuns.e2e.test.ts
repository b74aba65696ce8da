// Classification runs over HTTP against the built binary and the local MariaDB (issue 12 point 5): an
// account sync with ?then=classify (and a bad `then` refused), auto-classify (202, the session
// completes), a rule edited between runs (as of before the edit: the old version and the old name), the
// members of a classification at a moment, manual assignments (201 new, 200 already held, removal), the
// statistics over what the runs left.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCollector } from '../support/apiInstances.js';
import { startApiServer, type ApiServer } from '../support/apiServer.js';
import { createCollector, dropCollector } from '../support/mariadbCollector.js';
import { codeOf, type Page } from '../support/securityFixture.js';
import { mysqlService, titled } from '../support/services.js';

const service = mysqlService();
const p = `wfc_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };
const v4 = (fn: string, args: Record<string, unknown> = {}) => ({ version: 4, expr: { fn, args } });

type Assignment = {
  id: string;
  account_id: string;
  assignment_type: string;
  rule_id: string | null;
  rule_version: number | null;
  session_id: string | null;
};

describe.skipIf(!service.url)(titled('classification runs over HTTP', service), () => {
  let api: ApiServer;
  let token: string;
  let root: mysql.Connection;
  let instanceId: string;
  const ids: Record<'classification' | 'rule' | 'su' | 'app', string> = {
    classification: '',
    rule: '',
    su: '',
    app: '',
  };
  let beforeEdit: string;
  const name = `${p} supers`;

  const call = <T = { data: Record<string, unknown> }>(method: string, path: string, body?: unknown) =>
    api.call<T>(method, path, { token, body });
  const sessionEnds = async (id: string) => {
    await expect
      .poll(
        async () =>
          (await call<{ data?: { status: string } }>('GET', `/sync-sessions/${id}`)).body.data?.status,
        {
          timeout: 60_000,
        },
      )
      .toMatch(/^(completed|partial|failed|cancelled)$/);
    return (await call<{ data: { status: string } }>('GET', `/sync-sessions/${id}`)).body.data.status;
  };
  const assignments = async (query: string) =>
    (await call<Page<Assignment>>('GET', `/accounts/classifications/assignments?${query}`)).body;
  const accountOf = async (username: string) =>
    (
      await call<{ data: { id: string }[] }>(
        'GET',
        `/accounts/ledgers?instance_id=${instanceId}&search=${username}`,
      )
    ).body.data[0]!.id;

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: service.url! });
    await createCollector(root, collector.user, collector.password);
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [`${p}_su`, '%', 'x-Su-pw-1']);
    await root.query("GRANT ALL PRIVILEGES ON *.* TO ?@'%' WITH GRANT OPTION", [`${p}_su`]);
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [`${p}_app`, '%', 'x-App-pw-1']);
    await root.query("GRANT SELECT ON mysql.* TO ?@'%'", [`${p}_app`]);
    api = await startApiServer();
    token = await api.adminToken();
    instanceId = await registerCollector(api, token, `${p}-maria`, service.url!, collector);
    const c = await call('POST', '/accounts/classifications', { name, risk_level: 'critical' });
    ids.classification = c.body.data.id as string;
    const rule = await call('POST', '/accounts/classifications/rules', {
      classification_id: ids.classification,
      db_type: 'mysql',
      rule_name: 'supers v1',
      expression: v4('is_superuser'),
    });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    ids.rule = rule.body.data.id as string;
  });
  afterAll(async () => {
    await api?.stop();
    if (!root) return;
    await dropCollector(root, collector.user);
    for (const user of [`${p}_su`, `${p}_app`]) await root.query('DROP USER IF EXISTS ?@?', [user, '%']);
    await root.end();
  });

  it('?then= takes only classify (VALIDATION_ERROR naming it)', async () => {
    const res = await call('POST', `/instances/${instanceId}/actions/sync-accounts?then=capacity`);
    expect([res.status, codeOf(res)]).toEqual([400, 'VALIDATION_ERROR']);
    expect(JSON.stringify(res.body)).toContain('query.then');
    const batch = await call('POST', '/instances/actions/sync-accounts?then=1', {
      instance_ids: [instanceId],
    });
    expect(codeOf(batch)).toBe('VALIDATION_ERROR');
  });

  it('sync-accounts?then=classify: the sync, then a classification session that assigns by the rules', async () => {
    const res = await call<{ data: { session_id: string; then_session_id: string } }>(
      'POST',
      `/instances/${instanceId}/actions/sync-accounts?then=classify`,
    );
    expect(res.status).toBe(202);
    const { session_id: sync, then_session_id: then } = res.body.data;
    expect(then).toMatch(/^[0-9a-f-]{36}$/);
    expect(then).not.toBe(sync);
    expect(await sessionEnds(sync)).toBe('completed');
    expect(await sessionEnds(then)).toBe('completed');
    const session = await call('GET', `/sync-sessions/${then}`);
    expect(session.body.data).toMatchObject({ sync_category: 'classification', total_instances: 1 });
    ids.su = await accountOf(`${p}_su`);
    ids.app = await accountOf(`${p}_app`);
    // The local MariaDB has other superusers (root...): this test's own account is looked at.
    const held = await assignments(
      `classification_id=${ids.classification}&instance_id=${instanceId}&account_id=${ids.su}`,
    );
    expect(held.data.map((a) => [a.account_id, a.assignment_type, a.rule_version, a.session_id])).toEqual([
      [ids.su, 'auto', 1, then],
    ]);
    beforeEdit = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 50));
  });

  it('auto-classify after a rule edit: 202, the session completes, the assignment now names version 2', async () => {
    const edit = await call('PUT', `/accounts/classifications/rules/${ids.rule}`, {
      rule_name: 'supers v2',
      expression: {
        version: 4,
        expr: { op: 'OR', args: [v4('is_superuser').expr, v4('has_role', { name: 'dba' }).expr] },
      },
    });
    expect([edit.status, edit.body.data.version]).toEqual([200, 2]);
    expect(
      (await call('PUT', `/accounts/classifications/${ids.classification}`, { name: `${name} now` })).status,
    ).toBe(200);
    const res = await call<{ data: { session_id: string } }>(
      'POST',
      '/accounts/classifications/actions/auto-classify',
      {
        instance_ids: [instanceId],
      },
    );
    expect(res.status).toBe(202);
    expect(await sessionEnds(res.body.data.session_id)).toBe('completed');
    const held = await assignments(`classification_id=${ids.classification}&account_id=${ids.su}`);
    expect(held.data.map((a) => [a.account_id, a.rule_version, a.session_id])).toEqual([
      [ids.su, 2, res.body.data.session_id],
    ]);
  });

  it("an account's classifications as of before the edit name the old version and names; now the new ones", async () => {
    const path = `/accounts/ledgers/${ids.su}/classifications`;
    const then = await call<{ data: { as_of: string; items: Record<string, unknown>[] } }>(
      'GET',
      `${path}?as_of=${encodeURIComponent(beforeEdit)}`,
    );
    expect(then.status).toBe(200);
    expect(then.body.data.as_of).toBe(beforeEdit);
    const mine = (items: Record<string, unknown>[]) =>
      items.filter((i) => i.classification_id === ids.classification);
    expect(mine(then.body.data.items)).toMatchObject([{ name, rule_version: 1, rule_name: 'supers v1' }]);
    const now = await call<{ data: { items: Record<string, unknown>[] } }>('GET', path);
    expect(mine(now.body.data.items)).toMatchObject([
      { name: `${name} now`, rule_version: 2, rule_name: 'supers v2' },
    ]);
    const unknown = await call('GET', `/accounts/ledgers/${ids.classification}/classifications`);
    expect(unknown.status).toBe(404);
    const future = await call('GET', `${path}?as_of=2999-01-01`);
    expect(codeOf(future)).toBe('VALIDATION_ERROR');
  });

  it('members of a classification as of a moment, paged', async () => {
    const res = await call<Page<{ account_id: string; assignments: { rule_version: number }[] }>>(
      'GET',
      `/accounts/classifications/${ids.classification}/members?limit=100&as_of=${encodeURIComponent(beforeEdit)}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.meta.total).toBe(
      (await assignments(`classification_id=${ids.classification}`)).meta.total,
    );
    const su = res.body.data.find((m) => m.account_id === ids.su);
    expect(su?.assignments.map((a) => a.rule_version)).toEqual([1]);
    const before = await call<Page<unknown>>(
      'GET',
      `/accounts/classifications/${ids.classification}/members?as_of=2020-01-01`,
    );
    expect([before.status, before.body.meta.total]).toEqual([200, 0]);
    const unknown = await call('GET', `/accounts/classifications/${ids.rule}/members`);
    expect(unknown.status).toBe(404);
  });

  it('manual assignment: 201 new, 200 already held; removal; unknown ids 404', async () => {
    const body = { account_id: ids.app, classification_id: ids.classification };
    const first = await call<{ data: Assignment }>('POST', '/accounts/classifications/assignments', body);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.data).toMatchObject({ account_id: ids.app, assignment_type: 'manual', rule_id: null });
    const again = await call<{ data: Assignment }>('POST', '/accounts/classifications/assignments', body);
    expect([again.status, again.body.data.id]).toEqual([200, first.body.data.id]);
    expect((await assignments(`assignment_type=manual&account_id=${ids.app}`)).meta.total).toBe(1);
    const del = await call('DELETE', `/accounts/classifications/assignments/${first.body.data.id}`);
    expect(del.status).toBe(200);
    expect((await assignments(`assignment_type=manual&account_id=${ids.app}`)).meta.total).toBe(0);
    expect((await call('DELETE', `/accounts/classifications/assignments/${first.body.data.id}`)).status).toBe(
      404,
    );
    const noAccount = await call('POST', '/accounts/classifications/assignments', {
      account_id: ids.rule,
      classification_id: ids.classification,
    });
    expect(noAccount.status).toBe(404);
  });

  it('the statistics count what the runs left', async () => {
    // Every superuser of the local MariaDB (this test's, root...), each by the one rule.
    const supers = (await assignments(`classification_id=${ids.classification}`)).meta.total;
    expect(supers).toBeGreaterThanOrEqual(1);
    const summary = await call<{
      data: { classified_accounts: number; classifications: Record<string, unknown>[] };
    }>('GET', '/accounts/statistics/summary');
    expect(summary.body.data.classified_accounts).toBeGreaterThanOrEqual(1);
    expect(
      summary.body.data.classifications.find((c) => c.classification_id === ids.classification),
    ).toMatchObject({
      accounts: supers,
      auto_assignments: supers,
      manual_assignments: 0,
      rule_count: 1,
    });
    const rules = await call<{ data: { rule_id: string; hits: number }[] }>(
      'GET',
      '/accounts/statistics/rules',
    );
    expect(rules.body.data.find((r) => r.rule_id === ids.rule)?.hits).toBe(supers);
    const byDbType = await call<{ data: { db_type: string }[] }>('GET', '/accounts/statistics/db-types');
    expect(byDbType.body.data.map((d) => d.db_type)).toContain('mysql');
    const trend = await call<{ data: { end_date: string; series: { points: { accounts: number }[] }[] } }>(
      'GET',
      `/accounts/statistics/classifications/trend?period_type=daily&classification_id=${ids.classification}`,
    );
    expect(trend.status).toBe(200);
    expect(trend.body.data.series).toHaveLength(1);
    expect(trend.body.data.series[0]!.points.at(-1)?.accounts).toBe(supers);
  });

  it('auto-classify without instance_ids classifies every active instance', async () => {
    const res = await call<{ data: { session_id: string } }>(
      'POST',
      '/accounts/classifications/actions/auto-classify',
      {},
    );
    expect(res.status).toBe(202);
    expect(await sessionEnds(res.body.data.session_id)).toBe('completed');
    const session = await call('GET', `/sync-sessions/${res.body.data.session_id}`);
    expect(session.body.data).toMatchObject({ sync_type: 'manual_batch', total_instances: 1 });
  });
});
