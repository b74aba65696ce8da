// Input an auditor can trust, over HTTP against the local MariaDB: names that hide characters are
// refused; a second instance of one server is refused unless intended, and the statistics count the
// server once; as_of takes a date and refuses the future, and says when and by which session the facts
// were observed; ledgers and statistics carry the instance name; connection_status follows syncs.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer, type CallResult } from '../support/apiServer.js';
import { syncAccountsAndWait } from '../support/apiInstances.js';
import { createCollector, dropCollector, setCollectorPassword } from '../support/mariadbCollector.js';
import { mysqlService, titled } from '../support/services.js';

const service = mysqlService();
const p = `wfi_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };

type Row = Record<string, unknown>;
type Fields = { context?: { fields?: { field: string; message: string }[] }; message_code?: string };
const fieldsOf = (res: CallResult) => ((res.body as Fields).context?.fields ?? []).map((f) => f.field);

describe.skipIf(!service.url)(titled('instance input, duplicates, as_of and names', service), () => {
  let api: ApiServer;
  let token: string;
  let root: mysql.Connection;
  let credentialId: string;
  let instanceId: string;
  const url = new URL(service.url ?? 'mysql://localhost');
  const port = Number(url.port || 3306);
  const call = <T = { data: Row }>(method: string, path: string, body?: unknown) =>
    api.call<T>(method, path, { token, body });
  const syncAndWait = () => syncAccountsAndWait(api, token, instanceId);

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: service.url! });
    await createCollector(root, collector.user, collector.password);
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [`${p}_app`, '%', 'x-App-1']);
    await root.query('GRANT PROCESS ON *.* TO ?@?', [`${p}_app`, '%']);
    api = await startApiServer({ WHALEFALL_TIMEZONE: 'Asia/Shanghai' });
    token = await api.adminToken();
    const cred = await call('POST', '/credentials', {
      name: 'collector',
      db_type: 'mysql',
      username: collector.user,
      password: collector.password,
    });
    expect(cred.status).toBe(201);
    credentialId = cred.body.data.id as string;
  });
  afterAll(async () => {
    await api?.stop();
    if (!root) return;
    await dropCollector(root, collector.user);
    await root.query('DROP USER IF EXISTS ?@?', [`${p}_app`, '%']);
    await root.end();
  });

  it('refuses names and usernames with control, bidi or zero-width characters, or only spaces, naming the field', async () => {
    const cases: [string, string, unknown, string][] = [
      [
        'POST',
        '/instances',
        { name: 'prod\u202Etxt.exe', db_type: 'mysql', host: 'h', port: 1 },
        'body.name',
      ],
      ['POST', '/instances', { name: 'pro\u200Bd', db_type: 'mysql', host: 'h', port: 1 }, 'body.name'],
      ['POST', '/instances', { name: '   ', db_type: 'mysql', host: 'h', port: 1 }, 'body.name'],
      [
        'POST',
        '/credentials',
        { name: 'c\u0007', db_type: 'mysql', username: 'u', password: 'p' },
        'body.name',
      ],
      [
        'POST',
        '/credentials',
        { name: 'spaces', db_type: 'mysql', username: '   ', password: 'p' },
        'body.username',
      ],
      [
        'POST',
        '/credentials',
        { name: 'bidi', db_type: 'mysql', username: 'root\u2066', password: 'p' },
        'body.username',
      ],
      ['PUT', `/credentials/${credentialId}`, { username: 'ro\uFEFFot' }, 'body.username'],
      ['POST', '/users', { username: 'ad\u200Dmin', password: 'Long-enough-pw-1' }, 'body.username'],
      ['POST', '/users', { username: '     ', password: 'Long-enough-pw-1' }, 'body.username'],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await call(method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect((res.body as Fields).message_code).toBe('VALIDATION_ERROR');
      expect(fieldsOf(res)).toEqual([field]);
    }
    // A batch reports the field of the item.
    const batch = await call<{ data: { results: { message_code: string; message: string }[] } }>(
      'POST',
      '/instances/actions/batch-create',
      { instances: [{ name: 'x\u202Dy', db_type: 'mysql', host: 'h', port: 1 }] },
    );
    expect(batch.body.data.results[0]).toMatchObject({
      message_code: 'VALIDATION_ERROR',
      message: expect.stringContaining('name: must not contain control, bidi or zero-width characters'),
    });
  });

  it('refuses a second instance of one engine, host and port unless intended; statistics count the server once', async () => {
    const first = await call('POST', '/instances', {
      name: 'maria',
      db_type: 'mysql',
      host: url.hostname,
      port,
      credential_id: credentialId,
    });
    expect(first.status).toBe(201);
    instanceId = first.body.data.id as string;

    // Same server, spelt another way.
    const again = await call('POST', '/instances', {
      name: 'maria-again',
      db_type: 'mysql',
      host: ` ${url.hostname.toUpperCase()} `,
      port,
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      message_code: 'INSTANCE_DUPLICATE',
      context: { existing: [{ id: instanceId, name: 'maria', deleted: false }] },
    });
    expect((again.body as unknown as { message: string }).message).toContain(
      `instance 'maria' (${instanceId}) already monitors mysql ${url.hostname.toUpperCase()}:${port}`,
    );
    // Another engine or port is another server.
    const other = await call('POST', '/instances', {
      name: 'other-port',
      db_type: 'mysql',
      host: url.hostname,
      port: port + 1,
    });
    expect(other.status).toBe(201);
    // Moving it onto the first one's server is refused too.
    const moved = await call('PUT', `/instances/${other.body.data.id as string}`, { port });
    expect(moved.body).toMatchObject({ message_code: 'INSTANCE_DUPLICATE' });
    const intended = await call('POST', '/instances', {
      name: 'maria-second-view',
      db_type: 'mysql',
      host: url.hostname,
      port,
      allow_duplicate: true,
    });
    expect(intended.status).toBe(201);

    const stats = await call('GET', '/instances/statistics');
    expect(stats.body.data).toMatchObject({
      total: 3,
      by_db_type: { mysql: 3 },
      servers: 2,
      servers_by_db_type: { mysql: 2 },
    });
    await call('DELETE', `/instances/${intended.body.data.id as string}`);
    await call('DELETE', `/instances/${other.body.data.id as string}`);
  });

  it('connection_status follows syncs: failed when it could not connect, connected after a sync that read it', async () => {
    await setCollectorPassword(root, collector.user, 'changed-elsewhere');
    await syncAndWait();
    await expect
      .poll(async () => (await call('GET', `/instances/${instanceId}/connection-status`)).body.data, {
        timeout: 10_000,
      })
      .toMatchObject({ status: 'failed', error_code: 'DATABASE_CONNECTION_ERROR', last_connected: null });

    await setCollectorPassword(root, collector.user, collector.password);
    await syncAndWait();
    await expect
      .poll(async () => (await call('GET', `/instances/${instanceId}/connection-status`)).body.data, {
        timeout: 10_000,
      })
      .toMatchObject({ status: 'connected', error_code: null, last_connected: expect.any(String) });
    expect((await call('GET', `/instances/${instanceId}`)).body.data.connection_status).toBe('connected');
  });

  it('ledgers, change history and statistics carry the instance name', async () => {
    const ledgers = await call<{ data: Row[] }>(
      'GET',
      `/accounts/ledgers?instance_id=${instanceId}&search=${p}_app`,
    );
    expect(ledgers.body.data[0]).toMatchObject({
      instance_id: instanceId,
      instance_name: 'maria',
      username: `${p}_app@%`,
    });
    const history = await call<{ data: Row[] }>(
      'GET',
      `/accounts/ledgers/${ledgers.body.data[0]!.id as string}/change-history`,
    );
    expect(history.body.data[0]).toMatchObject({ instance_id: instanceId, instance_name: 'maria' });
    const stats = await call<{ data: { by_instance: Row[] } }>('GET', '/accounts/statistics');
    expect(stats.body.data.by_instance).toEqual([
      expect.objectContaining({ instance_id: instanceId, instance_name: 'maria' }),
    ]);
  });

  it('as_of: a date is the end of that day in WHALEFALL_TIMEZONE, the future is refused, and the answer says when and by whom the facts were observed', async () => {
    const sessionId = await syncAndWait();
    const ledgers = await call<{ data: Row[] }>(
      'GET',
      `/accounts/ledgers?instance_id=${instanceId}&search=${p}_app`,
    );
    const accountId = ledgers.body.data[0]!.id as string;
    type Facts = {
      data: {
        as_of: string;
        existed: boolean;
        facts: { privileges: { global: string[] } } | null;
        observed_at: string | null;
        observed_by_session: string | null;
      };
    };
    const now = await call<Facts>('GET', `/accounts/ledgers/${accountId}/permissions`);
    expect(now.body.data).toMatchObject({
      existed: true,
      observed_by_session: sessionId,
      observed_at: expect.any(String),
    });
    expect(now.body.data.facts?.privileges.global).toContain('PROCESS');
    expect(new Date(now.body.data.observed_at!).getTime()).toBeLessThanOrEqual(Date.now());

    // Yesterday in Shanghai ended at 16:00 UTC of the day before today there: nothing was synced yet.
    const shanghaiToday = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const yesterday = new Date(`${shanghaiToday}T00:00:00Z`);
    yesterday.setUTCDate(yesterday.getUTCDate() - 1);
    const day = yesterday.toISOString().slice(0, 10);
    const then = await call<Facts>('GET', `/accounts/ledgers/${accountId}/permissions?as_of=${day}`);
    expect(then.status).toBe(200);
    expect(then.body.data).toEqual({
      account_id: accountId,
      username: `${p}_app@%`,
      as_of: `${day}T15:59:59.999Z`,
      existed: false,
      facts: null,
      observed_at: null,
      observed_by_session: null,
    });
    // Today (there) is not over: its facts are those of now.
    const today = await call<Facts>(
      'GET',
      `/accounts/ledgers/${accountId}/permissions?as_of=${shanghaiToday}`,
    );
    expect(today.body.data).toMatchObject({ existed: true, observed_by_session: sessionId });

    for (const future of ['2999-01-01', new Date(Date.now() + 3_600_000).toISOString()]) {
      const res = await call('GET', `/accounts/ledgers/${accountId}/permissions?as_of=${future}`);
      expect(res.status).toBe(400);
      expect(fieldsOf(res)).toEqual(['query.as_of']);
    }
    const bad = await call('GET', `/accounts/ledgers/${accountId}/permissions?as_of=yesterday`);
    expect(fieldsOf(bad)).toEqual(['query.as_of']);
  });
});
