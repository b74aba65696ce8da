// Issue 10 A3 and B12, against the real MariaDB behind the fault proxy: an account sync whose permission
// read (one account's SHOW GRANTS) hangs past a deadline shorter than the query timeout fails at its
// deadline in the phase it reached (`permissions`: its inventory was written), and once the stalled query
// returns nothing more of that attempt lands on accounts-{id}. A process that stops mid-sync ends the records
// it owns (abandoned, reason `shutdown`) and deletes its heartbeat row; nothing lands afterwards either.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessSessions } from '../../src/commands/sync/processSessions.js';
import { makeRunAccountSync } from '../../src/commands/sync/runAccountSync.js';
import type { SessionRunDeps } from '../../src/commands/sync/runSession.js';
import { loadSession } from '../../src/commands/sync/sessionWriter.js';
import { accountsStream } from '../../src/domain/accounts/events.js';
import { onlyAccounts, openCapacityHarness, type CapacityHarness } from '../support/capacityHarness.js';
import { capturingLogger, LEVEL } from '../support/capturingLogger.js';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy.js';
import { createCollector, dropCollector } from '../support/mariadbCollector.js';
import { mysqlService, titled } from '../support/services.js';

const service = mysqlService();
const p = `wff_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };
const ctx = { actor: { kind: 'user' as const, id: 'tester' }, correlationId: 'fence', now: new Date() };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!service.url)(titled('attempts are fenced at their end', service), () => {
  let h: CapacityHarness;
  let root: mysql.Connection;
  let proxy: FaultProxy;
  let instanceId: string;
  const ours = (a: { username: string }) =>
    a.username.startsWith(p) && !a.username.startsWith(collector.user);
  /** The grants of this account are what the proxy stalls. */
  const stalledGrants = `'${p}_alice'@'%'`;

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: service.url! });
    await createCollector(root, collector.user, collector.password);
    for (const name of ['alice', 'bob'])
      await root.query('CREATE USER ?@? IDENTIFIED BY ?', [`${p}_${name}`, '%', `x-${name}-1`]);
    const url = new URL(service.url!);
    proxy = await startFaultProxy({ host: url.hostname, port: Number(url.port || 3306) });
    h = await openCapacityHarness((real) => onlyAccounts(real, ours));
    ({ maria: instanceId } = await h.register(
      {
        dbType: 'mysql',
        host: proxy.host,
        port: proxy.port,
        username: collector.user,
        password: collector.password,
      },
      ['maria'],
    ));
  });
  afterAll(async () => {
    await proxy?.close();
    await h?.close();
    if (!root) return;
    for (const name of ['alice', 'bob']) await root.query('DROP USER IF EXISTS ?@?', [`${p}_${name}`, '%']);
    await dropCollector(root, collector.user);
    await root.end();
  });

  const accountEvents = async () => (await h.raw.readStream(accountsStream(instanceId))).map((e) => e.type);
  const deps = (extra: Partial<SessionRunDeps> = {}): SessionRunDeps => ({
    ...h.deps,
    // The deadline (1.5 s) comes well before the query timeout (4 s).
    engineOptions: { connectTimeoutMs: 2000, queryTimeoutMs: 4000 },
    ...extra,
  });

  it('a deadline during the permissions phase fails the record in phase permissions, and the late work lands nothing', async () => {
    const log = capturingLogger();
    const before = (await accountEvents()).length;
    const hits = proxy.hits(stalledGrants);
    const unstall = proxy.stall(stalledGrants, { times: 1 });
    try {
      const started = await makeRunAccountSync(deps({ logger: log.logger }))(
        { instanceIds: [instanceId] },
        'manual_single',
        ctx,
        { deadlineMs: 1500 },
      );
      await started.done;
      const { state, history } = await loadSession(h.raw, started.sessionId);
      expect(proxy.hits(stalledGrants)).toBe(hits + 1);
      expect(state.records.get(instanceId)).toMatchObject({ status: 'failed', phase: 'permissions' });
      expect(history.find((e) => e.type === 'InstanceSyncFailed')?.data).toMatchObject({
        phase: 'permissions',
        messageCode: 'DATABASE_TIMEOUT',
      });
      // The inventory of this attempt landed before its end.
      expect((await accountEvents()).slice(before)).toEqual(['InstanceInventorySynced']);

      // Let the stalled query go (and the 4 s query timeout pass): the attempt goes on and tries to append.
      proxy.release();
      await sleep(4500);
      expect((await accountEvents()).slice(before)).toEqual(['InstanceInventorySynced']);
      expect(log.lines()).toContainEqual(
        expect.objectContaining({ level: LEVEL.info, msg: 'attempt fenced: nothing of it landed' }),
      );
    } finally {
      unstall();
      proxy.release();
    }
  });

  it('stop("shutdown") ends the records this process owns and deletes its heartbeat; nothing lands afterwards', async () => {
    const sessions = new ProcessSessions({ knex: h.db.knex, logger: h.deps.logger, heartbeatMs: 200 });
    const before = (await accountEvents()).length;
    const hits = proxy.hits(stalledGrants);
    const unstall = proxy.stall(stalledGrants, { times: 1 });
    try {
      const started = await makeRunAccountSync(deps({ sessions }))(
        { instanceIds: [instanceId] },
        'manual_single',
        ctx,
        { deadlineMs: 30_000 },
      );
      await expect.poll(() => proxy.hits(stalledGrants), { timeout: 10_000 }).toBe(hits + 1);
      const rows = () => h.db.knex('process_heartbeats').where({ process_id: sessions.id });
      expect(await rows()).toHaveLength(1);

      await sessions.stop('shutdown');
      await started.done;
      const { state, history } = await loadSession(h.raw, started.sessionId);
      expect(state.records.get(instanceId)?.status).toBe('abandoned');
      const abandoned = history.find((e) => e.type === 'InstanceSyncAbandoned');
      expect(abandoned?.data).toMatchObject({ reason: 'shutdown' });
      expect(abandoned?.metadata.actor).toEqual({ kind: 'system', id: 'shutdown' });
      expect(history.find((e) => e.type === 'InstanceSyncStarted')?.data).toMatchObject({
        owner: sessions.id,
      });
      expect(state.status).toBe('failed');
      expect(await rows()).toEqual([]);
      // No new sync starts in a stopping process.
      await expect(
        makeRunAccountSync(deps({ sessions }))({ instanceIds: [instanceId] }, 'manual_single', ctx),
      ).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });

      proxy.release();
      await sleep(1000);
      expect((await accountEvents()).slice(before)).toEqual(['InstanceInventorySynced']);
    } finally {
      unstall();
      proxy.release();
    }
  });
});
