// Classifications and rules over HTTP against the built binary (issue 12 point 5): CRUD with the codes
// (NAME_EXISTS whatever the case, SYSTEM_CLASSIFICATION on a seeded one, CLASSIFICATION_IN_USE), the
// fixed paths never taken for /accounts/classifications/:id, rule versions, who may call what (401
// without login, 403 for a viewer's writes, CSRF on cookie writes), the statistics answering.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD } from '../support/apiServer.js';
import { codeOf, useAdminFixture, type Page } from '../support/securityFixture.js';

const { fixture, admin, createUser } = useAdminFixture();
const { api, rnd } = fixture;

type Classification = { id: string; name: string; is_system: boolean; rule_count: number; priority: number };
type Rule = { id: string; version: number; expression: unknown; rule_name: string; is_active: boolean };

const call = <T = { data: Record<string, unknown> }>(method: string, path: string, body?: unknown) =>
  api.call<T>(method, path, { token: admin.token, body });
const createClassification = async (body: Record<string, unknown>) => {
  const res = await call<{ data: Classification }>('POST', '/accounts/classifications', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
};
const v4 = (fn: string, args: Record<string, unknown> = {}) => ({ version: 4, expr: { fn, args } });

describe('classifications', () => {
  it('creates one with defaults, trims the name, reads it back and lists it', async () => {
    const name = `watch ${rnd()}`;
    const c = await createClassification({ name: `  ${name}  `, risk_level: 'high' });
    expect(c).toMatchObject({
      name,
      description: '',
      risk_level: 'high',
      priority: 0,
      is_system: false,
      is_active: true,
      rule_count: 0,
      account_count: 0,
    });
    const got = await call('GET', `/accounts/classifications/${c.id}`);
    expect([got.status, got.body.data.name]).toEqual([200, name]);
    const list = await call<{ data: Classification[] }>('GET', '/accounts/classifications');
    expect(list.body.data.map((x) => x.id)).toContain(c.id);
  });

  it('NAME_EXISTS for another case of a taken name, on create and on rename', async () => {
    const name = `Dup ${rnd()}`;
    const first = await createClassification({ name });
    const again = await call('POST', '/accounts/classifications', { name: name.toUpperCase() });
    expect([again.status, codeOf(again)]).toEqual([409, 'NAME_EXISTS']);
    const other = await createClassification({ name: `other ${rnd()}` });
    const rename = await call('PUT', `/accounts/classifications/${other.id}`, { name: name.toLowerCase() });
    expect([rename.status, codeOf(rename)]).toEqual([409, 'NAME_EXISTS']);
    // A change of case of its own name is no conflict.
    const own = await call('PUT', `/accounts/classifications/${first.id}`, { name: name.toLowerCase() });
    expect([own.status, own.body.data.name]).toEqual([200, name.toLowerCase()]);
  });

  it('PUT changes only the fields sent; an empty body is refused', async () => {
    const c = await createClassification({ name: `partial ${rnd()}`, description: 'kept', priority: 5 });
    const res = await call('PUT', `/accounts/classifications/${c.id}`, {
      color: '#123456',
      is_active: false,
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      color: '#123456',
      is_active: false,
      description: 'kept',
      priority: 5,
    });
    const empty = await call('PUT', `/accounts/classifications/${c.id}`, {});
    expect(codeOf(empty)).toBe('VALIDATION_ERROR');
    const inactive = await call<{ data: Classification[] }>('GET', '/accounts/classifications');
    expect(inactive.body.data.map((x) => x.id)).not.toContain(c.id);
    const all = await call<{ data: Classification[] }>(
      'GET',
      '/accounts/classifications?include_inactive=true',
    );
    expect(all.body.data.map((x) => x.id)).toContain(c.id);
  });

  it('SYSTEM_CLASSIFICATION: a seeded one cannot be renamed nor deleted, but may be edited otherwise', async () => {
    const list = await call<{ data: Classification[] }>('GET', '/accounts/classifications');
    const system = list.body.data.find((c) => c.is_system && c.name === 'super user');
    expect(system, 'the server seeds the system classifications').toBeDefined();
    const rename = await call('PUT', `/accounts/classifications/${system!.id}`, { name: `renamed ${rnd()}` });
    expect([rename.status, codeOf(rename)]).toEqual([400, 'SYSTEM_CLASSIFICATION']);
    const del = await call('DELETE', `/accounts/classifications/${system!.id}`);
    expect([del.status, codeOf(del)]).toEqual([400, 'SYSTEM_CLASSIFICATION']);
    const edit = await call('PUT', `/accounts/classifications/${system!.id}`, { priority: system!.priority });
    expect(edit.status).toBe(200);
  });

  it('CLASSIFICATION_IN_USE while an active rule uses it; deleted once the rule is gone', async () => {
    const c = await createClassification({ name: `in use ${rnd()}` });
    const rule = await call<{ data: Rule }>('POST', '/accounts/classifications/rules', {
      classification_id: c.id,
      db_type: 'mysql',
      rule_name: 'supers',
      expression: v4('is_superuser'),
    });
    expect(rule.status).toBe(201);
    expect((await call('GET', `/accounts/classifications/${c.id}`)).body.data.rule_count).toBe(1);
    const refused = await call('DELETE', `/accounts/classifications/${c.id}`);
    expect([refused.status, codeOf(refused)]).toEqual([409, 'CLASSIFICATION_IN_USE']);
    expect((await call('DELETE', `/accounts/classifications/rules/${rule.body.data.id}`)).status).toBe(200);
    const del = await call('DELETE', `/accounts/classifications/${c.id}`);
    expect([del.status, del.body.data.id]).toEqual([200, c.id]);
    expect((await call('GET', `/accounts/classifications/${c.id}`)).status).toBe(404);
  });

  it('an unknown id is 404, a non-uuid one VALIDATION_ERROR', async () => {
    const unknown = await call('GET', `/accounts/classifications/${randomUUID()}`);
    expect([unknown.status, codeOf(unknown)]).toEqual([404, 'RESOURCE_NOT_FOUND']);
    const put = await call('PUT', `/accounts/classifications/${randomUUID()}`, { priority: 1 });
    expect(put.status).toBe(404);
    expect(codeOf(await call('GET', '/accounts/classifications/not-a-uuid'))).toBe('VALIDATION_ERROR');
  });
});

describe('the fixed paths are not taken for /accounts/classifications/:id', () => {
  it.each([
    '/accounts/classifications/rules',
    '/accounts/classifications/assignments',
    '/accounts/statistics',
    '/accounts/statistics/summary',
    '/accounts/statistics/db-types',
    '/accounts/statistics/classifications',
    '/accounts/statistics/rules',
    '/accounts/statistics/classifications/trend?period_type=weekly',
  ])('GET %s answers 200', async (path) => {
    const res = await call('GET', path);
    expect([res.status, JSON.stringify(res.body).slice(0, 300)]).toEqual([200, expect.any(String)]);
  });
});

describe('rules', () => {
  it('versions: a new expression is the next version, the same one (canonically) changes nothing', async () => {
    const c = await createClassification({ name: `versioned ${rnd()}` });
    const created = await call<{ data: Rule }>('POST', '/accounts/classifications/rules', {
      classification_id: c.id,
      db_type: 'postgresql',
      rule_name: 'grant admins',
      expression: v4('has_capability', { name: 'GRANT_ADMIN' }),
    });
    expect(created.status).toBe(201);
    const id = created.body.data.id;
    expect(created.body.data).toMatchObject({ version: 1, classification_name: c.name, is_active: true });
    const edited = await call<{ data: Rule }>('PUT', `/accounts/classifications/rules/${id}`, {
      expression: v4('is_superuser'),
    });
    expect([edited.status, edited.body.data.version]).toEqual([200, 2]);
    const same = await call<{ data: Rule }>('PUT', `/accounts/classifications/rules/${id}`, {
      expression: v4('is_superuser'),
      rule_name: 'supers',
    });
    expect(same.body.data).toMatchObject({ version: 2, rule_name: 'supers' });
    const versions = await call<{ data: { version: number; expression: unknown; created_by: string }[] }>(
      'GET',
      `/accounts/classifications/rules/${id}/versions`,
    );
    expect(versions.body.data.map((v) => [v.version, v.expression])).toEqual([
      [2, v4('is_superuser')],
      [1, v4('has_capability', { name: 'GRANT_ADMIN' })],
    ]);
    expect(versions.body.data[0]!.created_by).toMatch(/^user:/);
    const one = await call('GET', `/accounts/classifications/rules/${id}`);
    expect(one.body.data).toMatchObject({ id, version: 2 });
  });

  it('lists with filters and paging; refuses bad expressions and duplicates with their codes', async () => {
    const c = await createClassification({ name: `filters ${rnd()}` });
    const post = (body: Record<string, unknown>) =>
      call('POST', '/accounts/classifications/rules', { classification_id: c.id, db_type: 'mysql', ...body });
    expect((await post({ rule_name: 'a', expression: v4('is_superuser') })).status).toBe(201);
    const dup = await post({ rule_name: 'b', expression: v4('is_superuser') });
    expect([dup.status, codeOf(dup)]).toEqual([400, 'EXPRESSION_DUPLICATED']);
    expect(codeOf(await post({ rule_name: 'c', expression: { version: 3, expr: {} } }))).toBe(
      'DSL_V4_REQUIRED',
    );
    const b = await post({ rule_name: 'b', expression: v4('has_role', { name: 'dba' }) });
    expect(b.status).toBe(201);
    await call('PUT', `/accounts/classifications/rules/${b.body.data.id as string}`, { is_active: false });
    const page = await call<Page<Rule>>(
      'GET',
      `/accounts/classifications/rules?classification_id=${c.id}&limit=1`,
    );
    expect([page.body.meta.total, page.body.meta.pages, page.body.data.length]).toEqual([2, 2, 1]);
    const active = await call<Page<Rule>>(
      'GET',
      `/accounts/classifications/rules?classification_id=${c.id}&is_active=true&db_type=mysql`,
    );
    expect(active.body.data.map((r) => r.rule_name)).toEqual(['a']);
    const noClass = await call('POST', '/accounts/classifications/rules', {
      classification_id: randomUUID(),
      db_type: 'mysql',
      rule_name: 'x',
      expression: v4('is_superuser'),
    });
    expect(noClass.status).toBe(404);
  });
});

describe('who may call', () => {
  it('401 without login; a viewer reads but may not write (403)', async () => {
    const anonymous = await api.call('GET', '/accounts/classifications');
    expect([anonymous.status, codeOf(anonymous)]).toEqual([401, 'AUTHENTICATION_REQUIRED']);
    const viewer = await createUser('viewer', 'cls-viewer');
    const token = await api.login(viewer.username, viewer.password);
    expect((await api.call('GET', '/accounts/classifications', { token })).status).toBe(200);
    expect((await api.call('GET', '/accounts/statistics/summary', { token })).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', '/accounts/classifications', { name: `viewer ${rnd()}` }],
      ['PUT', `/accounts/classifications/${randomUUID()}`, { priority: 1 }],
      ['DELETE', `/accounts/classifications/${randomUUID()}`, undefined],
      ['POST', '/accounts/classifications/rules', {}],
      ['POST', '/accounts/classifications/assignments', {}],
      ['POST', '/accounts/classifications/actions/auto-classify', {}],
    ] as const) {
      const res = await api.call(method, path, { token, body });
      expect([method, path, res.status, codeOf(res)]).toEqual([method, path, 403, 'PERMISSION_DENIED']);
    }
  });

  it('a cookie session writes only with its CSRF token', async () => {
    const login = await api.call('POST', '/auth/login', {
      body: { username: 'admin', password: ADMIN_PASSWORD },
    });
    const session = login.headers
      .getSetCookie()
      .find((c) => c.startsWith('wf_session='))!
      .split(';')[0]!;
    const csrf = await api.call<{ data: { csrf_token: string } }>('GET', '/auth/csrf-token', {
      headers: { cookie: session },
    });
    const csrfCookie = csrf.headers
      .getSetCookie()
      .find((c) => c.startsWith('wf_csrf='))!
      .split(';')[0]!;
    const body = { name: `cookie ${rnd()}` };
    const without = await api.call('POST', '/accounts/classifications', {
      headers: { cookie: session },
      body,
    });
    expect([without.status, codeOf(without)]).toEqual([403, 'CSRF_MISSING']);
    const withToken = await api.call('POST', '/accounts/classifications', {
      headers: { cookie: `${session}; ${csrfCookie}`, 'x-csrf-token': csrf.body.data.csrf_token },
      body,
    });
    expect(withToken.status).toBe(201);
  });
});
