// Issue 10 A4 and A5 over HTTP, against the built server and the real MariaDB behind the fault proxy: a
// second revert-inventory is refused (it would undo the first); a retry answers 202 and its record ends with
// its outcome (?wait=true answers a failure with the record's code); a retry racing a running sync of the
// same instance answers 409 SYNC_ALREADY_RUNNING and appends nothing; abandon records the operator's reason,
// refusals speak the operator's words, and the abandoned attempt lands nothing afterwards.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../support/apiServer.js';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy.js';
import { registerCollector } from '../support/apiInstances.js';
import { createCollector, dropCollector, setCollectorPassword } from '../support/mariadbCollector.js';
import { mysqlService, titled } from '../support/services.js';

const service = mysqlService();
const p = `wfa_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };

interface Envelope {
  data: Record<string, unknown> & {
    session_id?: string;
    status?: string;
    records?: {
      instance_id: string;
      status: string;
      error_code: string | null;
      error_message: string | null;
    }[];
  };
  message_code?: string;
  message?: string;
  context?: Record<string, unknown>;
}

describe.skipIf(!service.url)(titled('operator actions on records over HTTP', service), () => {
  let api: ApiServer;
  let token: string;
  let root: mysql.Connection;
  let proxy: FaultProxy;
  let instanceId: string;
  const call = (method: string, path: string, body?: unknown) =>
    api.call<Envelope>(method, path, { token, body });
  const record = async (sessionId: string) =>
    (await call('GET', `/sync-sessions/${sessionId}`)).body.data.records!.find(
      (r) => r.instance_id === instanceId,
    )!;
  const action = (sessionId: string, name: string, body?: unknown) =>
    call('POST', `/sync-sessions/${sessionId}/records/${instanceId}/actions/${name}`, body);
  const sync = async () => {
    const started = await call('POST', `/instances/${instanceId}/actions/sync-accounts`);
    expect(started.status).toBe(202);
    return started.body.data.session_id!;
  };
  const syncAndWait = async () => {
    const id = await sync();
    await expect
      .poll(async () => (await call('GET', `/sync-sessions/${id}`)).body.data.status, { timeout: 30_000 })
      .not.toBe('running');
    return id;
  };
  /** The events of a stream, from the server's database. */
  const events = (streamId: string) =>
    api.db.knex('events').where({ stream_id: streamId }).orderBy('stream_revision').select('type', 'data');

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: service.url! });
    await createCollector(root, collector.user, collector.password);
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [`${p}_app`, '%', 'x-App-1']);
    const url = new URL(service.url!);
    proxy = await startFaultProxy({ host: url.hostname, port: Number(url.port || 3306) });
    api = await startApiServer({ SYNC_INSTANCE_DEADLINE_MS: '20000' });
    token = await api.adminToken();
    instanceId = await registerCollector(api, token, 'm', service.url!, collector, proxy);
  });
  afterAll(async () => {
    proxy?.reset();
    await api?.stop();
    await proxy?.close();
    if (!root) return;
    await root.query('DROP USER IF EXISTS ?@?', [`${p}_app`, '%']);
    await root.query('DROP USER IF EXISTS ?@?', [`${p}_new`, '%']);
    await dropCollector(root, collector.user);
    await root.end();
  });

  it('revert-inventory twice: the second is refused and does not undo the first', async () => {
    await syncAndWait();
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [`${p}_new`, '%', 'x-New-1']);
    const second = await syncAndWait();
    const first = await action(second, 'revert-inventory');
    expect(first.status).toBe(200);
    const again = await action(second, 'revert-inventory');
    expect([again.status, again.body.message_code, again.body.message]).toEqual([
      409,
      'CONSTRAINT_VIOLATION',
      "this session's inventory was already reverted",
    ]);
    const reverts = (await events(`accounts-${instanceId}`)).filter((e) => e.type === 'InventoryReverted');
    expect(reverts).toHaveLength(1);
  });

  it('a retry answers 202 and its record ends with the outcome; with ?wait=true a failure answers with its code', async () => {
    await setCollectorPassword(root, collector.user, 'changed-elsewhere');
    const failed = await syncAndWait();
    expect(await record(failed)).toMatchObject({ status: 'failed', error_code: 'DATABASE_CONNECTION_ERROR' });

    const failedAgain = await action(failed, 'retry?wait=true');
    expect(failedAgain.status).toBe(409);
    expect(failedAgain.body).toMatchObject({
      message_code: 'DATABASE_CONNECTION_ERROR',
      context: { record_status: 'failed', error_code: 'DATABASE_CONNECTION_ERROR' },
    });
    expect(failedAgain.body.message).not.toMatch(/applied/);

    await setCollectorPassword(root, collector.user, collector.password);
    const retried = await action(failed, 'retry');
    expect(retried.status).toBe(202);
    expect(retried.body.data).toMatchObject({
      session_id: failed,
      instance_id: instanceId,
      status: 'running',
      attempt: 3,
    });
    await expect.poll(async () => (await record(failed)).status, { timeout: 30_000 }).toBe('completed');
  });

  it('a retry racing a running sync answers 409 SYNC_ALREADY_RUNNING and appends nothing; abandon records its reason', async () => {
    await setCollectorPassword(root, collector.user, 'changed-elsewhere');
    const failed = await syncAndWait();
    await setCollectorPassword(root, collector.user, collector.password);

    // Another sync of the instance hangs in its permissions phase (one account's SHOW GRANTS).
    const grants = `'${p}_app'@'%'`;
    const hits = proxy.hits(grants);
    const unstall = proxy.stall(grants, { times: 1 });
    try {
      const busy = await sync();
      await expect.poll(() => proxy.hits(grants), { timeout: 20_000 }).toBe(hits + 1);
      const before = await events(`session-${failed}`);
      const raced = await action(failed, 'retry');
      expect([raced.status, raced.body.message_code]).toEqual([409, 'SYNC_ALREADY_RUNNING']);
      expect(await events(`session-${failed}`)).toEqual(before);

      const abandoned = await action(busy, 'abandon', { reason: 'instance stuck in SHOW GRANTS' });
      expect(abandoned.status).toBe(200);
      expect(await record(busy)).toMatchObject({
        status: 'abandoned',
        error_message: 'abandoned by an operator: instance stuck in SHOW GRANTS',
      });
      const twice = await action(busy, 'abandon', {});
      expect([twice.status, twice.body.message]).toEqual([
        409,
        'the record is abandoned: it cannot be abandoned',
      ]);

      // The stalled query returns: the abandoned attempt's permissions never land.
      proxy.release();
      await new Promise((r) => setTimeout(r, 2000));
      const ofBusy = (await events(`accounts-${instanceId}`)).filter(
        (e) => (e.data as { sessionId?: string }).sessionId === busy,
      );
      expect(ofBusy.map((e) => e.type)).toEqual(['InstanceInventorySynced']);
    } finally {
      unstall();
      proxy.release();
    }
  });
});
