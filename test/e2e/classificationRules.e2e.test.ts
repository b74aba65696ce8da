// The rule editor's routes and the account export over HTTP, against the built binary: accounts come from
// account events appended to the store (an instance of made-up accounts, one with a formula for a name,
// one without facts). validate-expression and evaluate store nothing; evaluate reads accounts' latest
// facts; the export is CSV with formulas neutralised; the ledger list filters by capability.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { makeFacts } from '../../src/domain/engines/model.js';
import { accountEvents, mysqlAccount } from '../support/accountEvents.js';
import { ADMIN_PASSWORD, startApiServer, type ApiServer } from '../support/apiServer.js';

const instanceId = randomUUID();
const formula = '=HYPERLINK("http://evil.example","x")@%';
const su = { version: 4, expr: { fn: 'is_superuser' } };
const grantAdmin = { version: 4, expr: { fn: 'has_capability', args: { name: 'GRANT_ADMIN' } } };

type Body = { data: Record<string, unknown>; message_code?: string; meta?: { total: number } };
type Ledger = { id: string; username: string };

describe('the rule editor and the account export', () => {
  let api: ApiServer;
  let token: string;
  let viewer: string;
  const ids: Record<string, string> = {};
  const post = (path: string, body: unknown, as = token) => api.call<Body>('POST', path, { token: as, body });
  const evaluate = (body: unknown, as = token) =>
    post('/accounts/classifications/rules/actions/evaluate', body, as);

  beforeAll(async () => {
    api = await startApiServer();
    token = await api.adminToken();
    viewer = await api.userToken('viewer');
    const store = new PostgresEventStore(api.db.pool);
    const ev = accountEvents(store);
    const session = randomUUID();
    await ev.inventory(instanceId, 'mysql', session, '2026-12-01T10:00:00.000Z', [
      mysqlAccount('root@localhost'),
      mysqlAccount('app@%'),
      mysqlAccount(formula),
      mysqlAccount('nofacts@%'),
    ]);
    await ev.permissions(instanceId, session, '2026-12-01T10:00:01.000Z', {
      'root@localhost': makeFacts('mysql', {
        capabilities: { SUPERUSER: ['SUPER'], GRANT_ADMIN: ['WITH GRANT OPTION on *.*'] },
        global: ['ALL PRIVILEGES', 'GRANT OPTION'],
      }),
      'app@%': makeFacts('mysql', { database: { appdb: ['SELECT'] } }),
      [formula]: makeFacts('mysql', { capabilities: { LOCKED: ['account_locked = Y'] } }),
    });
    await store.close();
    const list = async () =>
      (await api.call<{ data: Ledger[] }>('GET', `/accounts/ledgers?instance_id=${instanceId}`, { token }))
        .body.data;
    for (const deadline = Date.now() + 30_000; (await list()).length < 4;) {
      if (Date.now() > deadline) throw new Error('the accounts projection did not take the events in');
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const a of await list()) ids[a.username] = a.id;
  });
  afterAll(async () => api?.stop());

  it('every route needs a logged-in user; a cookie session needs the CSRF token on the POSTs', async () => {
    for (const [method, path] of [
      ['POST', '/accounts/classifications/rules/actions/validate-expression'],
      ['POST', '/accounts/classifications/rules/actions/evaluate'],
      ['GET', '/accounts/classifications/permissions/mysql'],
      ['GET', '/accounts/ledgers/actions/export'],
    ] as const) {
      const res = await api.call<Body>(method, path, method === 'POST' ? { body: { expression: su } } : {});
      expect(res.status, path).toBe(401);
      expect(res.body.message_code).toBe('AUTHENTICATION_REQUIRED');
    }
    const login = await api.call('POST', '/auth/login', {
      body: { username: 'admin', password: ADMIN_PASSWORD },
    });
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const res = await api.call<Body>('POST', '/accounts/classifications/rules/actions/validate-expression', {
      headers: { cookie },
      body: { expression: su },
    });
    expect(res.status).toBe(403);
    expect(res.body.message_code).toBe('CSRF_MISSING');
    // A viewer may check and try rules: they store nothing.
    expect(
      (await post('/accounts/classifications/rules/actions/validate-expression', { expression: su }, viewer))
        .status,
    ).toBe(200);
    expect((await evaluate({ expression: su, account_ids: [ids['root@localhost']] }, viewer)).status).toBe(
      200,
    );
  });

  it('validate-expression: valid with the canonical form, or every problem with its path', async () => {
    const ok = await post('/accounts/classifications/rules/actions/validate-expression', {
      expression: { expr: { args: [su.expr], op: 'not' }, version: 4 },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.data).toEqual({
      valid: true,
      code: null,
      problems: [],
      expression: { expr: { args: [su.expr], op: 'not' }, version: 4 },
      canonical: { expr: { args: [{ args: {}, fn: 'is_superuser' }], op: 'NOT' }, version: 4 },
    });
    const bad = await post('/accounts/classifications/rules/actions/validate-expression', {
      expression: { version: 4, expr: { op: 'AND', args: [{ fn: 'has_role' }, { fn: 'nope' }] } },
    });
    expect(bad.status).toBe(200);
    expect(bad.body.data).toMatchObject({
      valid: false,
      code: 'INVALID_DSL_EXPRESSION',
      expression: null,
      problems: [
        { path: 'expr.args[0]', code: 'MISSING_DSL_ARGS', problem: 'has_role: missing name' },
        { path: 'expr.args[1]', code: 'UNKNOWN_DSL_FUNCTION', problem: 'unknown function "nope"' },
      ],
    });
    const v3 = await post('/accounts/classifications/rules/actions/validate-expression', {
      expression: { version: 3 },
    });
    expect(v3.body.data).toMatchObject({ valid: false, code: 'DSL_V4_REQUIRED' });
    const missing = await post('/accounts/classifications/rules/actions/validate-expression', {});
    expect(missing.status).toBe(400);
    expect(missing.body.message_code).toBe('VALIDATION_ERROR');
  });

  it('evaluate on facts: matched and errors per item, missing fields count as empty', async () => {
    const res = await evaluate({
      expression: grantAdmin,
      facts: [
        { db_type: 'mysql', capabilities: ['GRANT_ADMIN'] },
        { db_type: 'postgresql', roles: ['pg_monitor'], privileges: { global: ['LOGIN'] } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      valid: true,
      code: null,
      problems: [],
      items: [
        { index: 0, db_type: 'mysql', matched: true, errors: [] },
        { index: 1, db_type: 'postgresql', matched: false, errors: [] },
      ],
      summary: { total: 2, matched: 1, with_errors: 0 },
    });
    const broken = await evaluate({
      expression: { version: 4, expr: { fn: 'nope' } },
      facts: [{ db_type: 'mysql' }],
    });
    expect(broken.body.data).toMatchObject({
      valid: false,
      code: 'INVALID_DSL_EXPRESSION',
      items: [{ index: 0, matched: false, errors: [{ code: 'UNKNOWN_DSL_FUNCTION', path: 'expr' }] }],
      summary: { total: 1, matched: 0, with_errors: 1 },
    });
  });

  it('evaluate on accounts: their latest facts; an unknown id and an account without facts say so', async () => {
    const unknown = randomUUID();
    const res = await evaluate({
      expression: su,
      account_ids: [ids['root@localhost'], ids['app@%'], unknown, ids['nofacts@%']],
    });
    expect(res.status).toBe(200);
    const items = res.body.data.items as Record<string, unknown>[];
    expect(
      items.map((i) => [i.username, i.matched, (i.errors as { code: string }[]).map((e) => e.code)]),
    ).toEqual([
      ['root@localhost', true, []],
      ['app@%', false, []],
      [undefined, false, ['RESOURCE_NOT_FOUND']],
      ['nofacts@%', false, ['PERMISSION_FACTS_MISSING']],
    ]);
    expect(items[0]).toMatchObject({
      index: 0,
      account_id: ids['root@localhost'],
      instance_id: instanceId,
      db_type: 'mysql',
    });
    expect(items[2]).toMatchObject({ index: 2, account_id: unknown });
    expect(res.body.data.summary).toEqual({ total: 4, matched: 1, with_errors: 2 });
  });

  it('evaluate refuses both or neither of facts and account_ids, bad facts, more than 1000 items', async () => {
    for (const body of [
      { expression: su },
      { expression: su, facts: [{ db_type: 'mysql' }], account_ids: [ids['app@%']] },
      { expression: su, facts: [{ db_type: 'mysql', extra: 1 }] },
      { expression: su, facts: [{ capabilities: [] }] },
      { expression: su, account_ids: ['not-a-uuid'] },
      { expression: su, account_ids: Array.from({ length: 1001 }, () => randomUUID()) },
    ]) {
      const res = await evaluate(body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.message_code).toBe('VALIDATION_ERROR');
    }
  });

  it('permissions/{db_type}: the catalog of the engine; an unknown engine is VALIDATION_ERROR', async () => {
    const res = await api.call<Body>('GET', '/accounts/classifications/permissions/postgresql', { token });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ db_type: 'postgresql' });
    expect(res.body.data.privileges).toContainEqual({ name: 'CONNECT', scopes: ['database'] });
    expect(res.body.data.roles).toContainEqual({ name: 'pg_monitor', kind: 'predefined' });
    const db2 = await api.call<Body>('GET', '/accounts/classifications/permissions/db2', { token });
    expect(db2.status).toBe(400);
    expect(db2.body.message_code).toBe('VALIDATION_ERROR');
  });

  it('the ledger list filters by capability', async () => {
    const names = async (capability: string) =>
      (
        await api.call<{ data: Ledger[] }>(
          'GET',
          `/accounts/ledgers?instance_id=${instanceId}&capability=${capability}`,
          {
            token,
          },
        )
      ).body.data.map((a) => a.username);
    expect(await names('SUPERUSER')).toEqual(['root@localhost']);
    expect(await names('LOCKED')).toEqual([formula]);
    const bad = await api.call<Body>('GET', '/accounts/ledgers?capability=ROOT', { token });
    expect(bad.status).toBe(400);
  });

  it('export: CSV of the same filters, every row, formulas neutralised', async () => {
    const res = await api.call<string>('GET', `/accounts/ledgers/actions/export?instance_id=${instanceId}`, {
      token: viewer,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="?account-ledgers\.csv"?$/);
    const lines = res.body.split('\r\n');
    expect(lines[0]).toMatch(/^id,instance_id,instance_name,db_type,username,is_active,/);
    expect(lines).toHaveLength(6); // header, 4 accounts, the empty string after the last CRLF
    const evil = lines.find((l) => l.includes('HYPERLINK'))!;
    expect(evil).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")@%"`);
    expect(evil).toContain('"LOCKED"');
    const root = lines.find((l) => l.includes('root@localhost'))!;
    expect(root).toContain('"SUPERUSER; GRANT_ADMIN"');
    expect(root).toContain('"ALL PRIVILEGES; GRANT OPTION"');
    expect(lines.find((l) => l.includes('app@%'))).toContain('"appdb: SELECT"');

    const supers = await api.call<string>(
      'GET',
      `/accounts/ledgers/actions/export?instance_id=${instanceId}&capability=SUPERUSER`,
      { token },
    );
    expect(supers.body.split('\r\n').filter(Boolean)).toHaveLength(2);
    const bad = await api.call<Body>('GET', '/accounts/ledgers/actions/export?page=2', { token });
    expect(bad.status).toBe(400);
  });
});
