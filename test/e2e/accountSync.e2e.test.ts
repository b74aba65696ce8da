// Account sync over HTTP against the local MariaDB: start a sync (202 + session_id), read the session and
// its timeline, see a revoke in the change history, read the facts as of before it, and the operator's
// compensating commands on a record that failed.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../support/apiServer.js';
import { registerCollector, syncAccountsAndWait } from '../support/apiInstances.js';
import { createCollector, dropCollector, setCollectorPassword } from '../support/mariadbCollector.js';
import { mysqlService, titled } from '../support/services.js';

const service = mysqlService();
const p = `wfe_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };

describe.skipIf(!service.url)(titled('account sync over HTTP', service), () => {
  let api: ApiServer;
  let token: string;
  let root: mysql.Connection;
  let instanceId: string;
  type Body = { data: Record<string, unknown> & { session_id?: string } };
  const call = (method: string, path: string, body?: unknown) =>
    api.call<Body>(method, path, { token, body });
  const syncAndWait = () => syncAccountsAndWait(api, token, instanceId);

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: service.url! });
    await createCollector(root, collector.user, collector.password);
    await root.query(`CREATE DATABASE \`${p}_db\``);
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [`${p}_app`, '%', 'x-App-1']);
    await root.query(`GRANT SELECT, DELETE ON \`${p}_db\`.* TO ?@'%'`, [`${p}_app`]);
    api = await startApiServer();
    token = await api.adminToken();
    instanceId = await registerCollector(api, token, 'm', service.url!, collector);
  });
  afterAll(async () => {
    await api?.stop();
    await dropCollector(root, collector.user);
    await root.query('DROP USER IF EXISTS ?@?', [`${p}_app`, '%']);
    await root.query(`DROP DATABASE IF EXISTS \`${p}_db\``);
    await root.end();
  });

  it('syncs, shows the timeline, and an account revoked afterwards has its diff and its old facts as of before', async () => {
    const first = await syncAndWait();
    const session = await call('GET', `/sync-sessions/${first}`);
    expect(session.body.data).toMatchObject({
      status: 'completed',
      sync_category: 'account',
      total_instances: 1,
      successful_instances: 1,
    });
    const timeline = await api.call<{ data: { type: string; actor: { kind: string } }[] }>(
      'GET',
      `/sync-sessions/${first}/events`,
      { token },
    );
    expect(timeline.body.data.map((e) => e.type)).toEqual([
      'SessionStarted',
      'InstanceSyncStarted',
      'InstanceInventorySynced',
      'PermissionsSynced',
      'InstanceSyncCompleted',
      'SessionCompleted',
    ]);
    expect(timeline.body.data[0]!.actor.kind).toBe('user');

    const ledgers = await api.call<{ data: { id: string; username: string }[] }>(
      'GET',
      `/accounts/ledgers?instance_id=${instanceId}&search=${p}_app`,
      { token },
    );
    const account = ledgers.body.data[0]!;
    expect(account.username).toBe(`${p}_app@%`);
    const beforeRevoke = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 50));

    await root.query(`REVOKE DELETE ON \`${p}_db\`.* FROM ?@'%'`, [`${p}_app`]);
    await syncAndWait();
    const history = await api.call<{ data: { change_type: string; privilege_diff: unknown }[] }>(
      'GET',
      `/accounts/ledgers/${account.id}/change-history`,
      { token },
    );
    expect(history.body.data[0]).toMatchObject({
      change_type: 'modify_privilege',
      privilege_diff: { privileges: { [`database:${p}_db`]: { added: [], removed: ['DELETE'] } } },
    });
    const then = await api.call<{
      data: { existed: boolean; facts: { privileges: { database: Record<string, string[]> } } };
    }>('GET', `/accounts/ledgers/${account.id}/permissions?as_of=${encodeURIComponent(beforeRevoke)}`, {
      token,
    });
    expect(then.body.data.facts.privileges.database[`${p}_db`]).toEqual(['DELETE', 'SELECT']);
    const now = await api.call<{ data: { facts: { privileges: { database: Record<string, string[]> } } } }>(
      'GET',
      `/accounts/ledgers/${account.id}/permissions`,
      { token },
    );
    expect(now.body.data.facts.privileges.database[`${p}_db`]).toEqual(['SELECT']);
  });

  it('a failed record can be retried by an operator; compensations are events in the timeline', async () => {
    // Break the collector's password: the connect phase fails.
    await setCollectorPassword(root, collector.user, 'changed-elsewhere');
    const failed = await syncAndWait();
    const errors = await api.call<{ data: { error_code: string }[] }>(
      'GET',
      `/sync-sessions/${failed}/error-logs`,
      { token },
    );
    expect(errors.body.data[0]).toMatchObject({ error_code: 'DATABASE_CONNECTION_ERROR' });
    expect(
      (await call('POST', `/sync-sessions/${failed}/records/${instanceId}/actions/revert-inventory`)).body,
    ).toMatchObject({ message_code: 'CONSTRAINT_VIOLATION' });

    await setCollectorPassword(root, collector.user, collector.password);
    const retried = await call(
      'POST',
      `/sync-sessions/${failed}/records/${instanceId}/actions/retry?wait=true`,
    );
    expect(retried.status).toBe(200);
    expect(retried.body.data, JSON.stringify(retried.body.data)).toMatchObject({ status: 'completed' });
    const types = (
      await api.call<{ data: { type: string }[] }>('GET', `/sync-sessions/${failed}/events`, { token })
    ).body.data.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'InstanceSyncFailed',
        'InstanceSyncRetried',
        'CompensationApplied',
        'InstanceSyncCompleted',
      ]),
    );
    expect((await call('POST', `/sync-sessions/${failed}/actions/cancel`, {})).body).toMatchObject({
      message_code: 'CONSTRAINT_VIOLATION',
    });
  });
});
