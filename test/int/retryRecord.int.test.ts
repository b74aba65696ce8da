// The operator's retry of a record (makeRetryRecord) against the local MariaDB: it re-runs the work of the
// session's category (a capacity record collects sizes again, an account record syncs accounts again), says
// in CompensationApplied which it did, and refuses a category it has no retry for.
import { randomBytes, randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConfirmInventory, makeRetryRecord } from '../../src/commands/sync/compensations.js';
import { leaseFor, makeRunAccountSync } from '../../src/commands/sync/runAccountSync.js';
import { executeSession, loadSession } from '../../src/commands/sync/sessionWriter.js';
import { accountsStream } from '../../src/domain/accounts/events.js';
import { capacityStream } from '../../src/domain/capacity/events.js';
import { AppError } from '../../src/domain/errors.js';
import { onlyDatabases, openCapacityHarness, type CapacityHarness } from '../support/capacityHarness.js';
import { collectorServer, createCollector, dropCollector } from '../support/mariadbCollector.js';
import { mysqlService, titled } from '../support/services.js';

const service = mysqlService();
const p = `wfr_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };
const ctx = { actor: { kind: 'user' as const, id: 'operator' }, correlationId: 'retry', now: new Date() };

describe.skipIf(!service.url)(titled('operator retry of a record, by category', service), () => {
  let h: CapacityHarness;
  let root: mysql.Connection;
  let instanceId: string;
  const fail = { sizes: false, inventory: false, permissions: false };
  // The retry runs in the background (the API answers 202); these tests wait for its outcome.
  const retry = () => async (sessionId: string, instanceId: string, c: typeof ctx) =>
    (await makeRetryRecord({ ...h.deps, timeZone: 'UTC' })(sessionId, instanceId, c)).done;
  const streamTypes = async (stream: string) => (await h.raw.readStream(stream)).map((e) => e.type);
  const compensations = async (sessionId: string) =>
    (await loadSession(h.raw, sessionId)).history
      .filter((e) => e.type === 'CompensationApplied')
      .map((e) => (e.data as { action: string }).action);

  /** A session of `category` whose one record (this suite's instance) failed as given. */
  const failedSession = async (
    category: 'account' | 'classification',
    failure: { phase: 'other' | 'inventory'; messageCode: string; message: string },
  ) => {
    const sessionId = randomUUID();
    for (const command of [
      {
        type: 'StartSession' as const,
        sessionId,
        category,
        syncType: 'manual_single' as const,
        instances: [{ instanceId, instanceName: 'maria' }],
      },
      { type: 'StartRecord' as const, sessionId, instanceId, now: new Date(), leaseMs: 60_000 },
      { type: 'FailRecord' as const, sessionId, instanceId, ...failure },
    ])
      await executeSession(h.deps.store, command, ctx);
    return sessionId;
  };

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: service.url!, multipleStatements: true });
    await createCollector(root, collector.user, collector.password);
    await root.query(`CREATE DATABASE \`${p}_a\`; CREATE TABLE \`${p}_a\`.t (id INT PRIMARY KEY)`);
    // The real adapter, seeing only this suite's databases and accounts, with failures on demand.
    h = await openCapacityHarness((real) => {
      const seen = onlyDatabases(real, p);
      return {
        ...seen,
        databaseSizes: async () => {
          if (fail.sizes) throw new Error('sizes could not be read');
          return real.databaseSizes();
        },
        listAccounts: async () => {
          if (fail.inventory) throw new Error('accounts could not be listed');
          const all = await real.listAccounts();
          return { ...all, items: all.items.filter((a) => a.username.startsWith(p)) };
        },
        permissionSnapshot: async () => {
          if (fail.permissions) throw new Error('grants could not be read');
          const all = await real.permissionSnapshot();
          return { ...all, items: all.items.filter((a) => a.username.startsWith(p)) };
        },
      };
    });
    ({ maria: instanceId } = await h.register(collectorServer(service.url!, collector), ['maria']));
  });
  afterAll(async () => {
    await h?.close();
    if (!root) return;
    await dropCollector(root, collector.user);
    await root.query(`DROP DATABASE IF EXISTS \`${p}_a\``);
    await root.end();
  });

  it('a failed capacity record retried by the operator collects sizes again: StatsSaved, no account event', async () => {
    fail.sizes = true;
    const failed = await h.collect([instanceId]);
    fail.sizes = false;
    expect(failed.state.records.get(instanceId)).toMatchObject({ status: 'failed', phase: 'sizes' });
    const { sessionId } = failed.history[0]!.data as { sessionId: string };
    const accountsBefore = await streamTypes(accountsStream(instanceId));

    await retry()(sessionId, instanceId, ctx);

    const after = await loadSession(h.raw, sessionId);
    expect(after.state.status).toBe('completed');
    expect(after.state.records.get(instanceId)?.status).toBe('completed');
    // The retry's lease follows the deadline (default 5 min: lease 6 min), never a fixed 10 minutes.
    const retried = after.history.findLast((e) => e.type === 'InstanceSyncStarted')!;
    const leaseMs =
      Date.parse((retried.data as { leaseExpiresAt: string }).leaseExpiresAt) -
      Date.parse(retried.metadata.occurredAt);
    expect(Math.abs(leaseMs - leaseFor(5 * 60_000))).toBeLessThan(1000);
    const last = (await h.raw.readStream(capacityStream(instanceId))).at(-1)!;
    expect(last.type).toBe('StatsSaved');
    expect(last.data).toMatchObject({ sessionId, databases: [{ databaseName: `${p}_a` }], databaseCount: 1 });
    expect(last.metadata).toMatchObject({ sessionId, actor: ctx.actor });
    expect(await streamTypes(accountsStream(instanceId))).toEqual(accountsBefore);
    expect(await compensations(sessionId)).toEqual(['retry_capacity']);
    const completed = after.history.findLast((e) => e.type === 'InstanceSyncCompleted');
    expect(completed?.data).toMatchObject({
      itemsSynced: 1,
      details: { totalSizeMb: (last.data as { totalSizeMb: number }).totalSizeMb },
    });
  });

  it('an account record says what its retry ran: retry_sync after an inventory failure, retry_permissions after a permissions one', async () => {
    const syncFailing = async (phase: 'inventory' | 'permissions') => {
      fail[phase] = true;
      const started = await makeRunAccountSync(h.deps)({ instanceIds: [instanceId] }, 'manual_single', ctx);
      await started.done;
      fail[phase] = false;
      const { state } = await loadSession(h.raw, started.sessionId);
      expect(state.records.get(instanceId)).toMatchObject({ status: 'failed', phase });
      return started.sessionId;
    };
    const capacityBefore = await streamTypes(capacityStream(instanceId));

    const inventoryFailed = await syncFailing('inventory');
    await retry()(inventoryFailed, instanceId, ctx);
    expect((await loadSession(h.raw, inventoryFailed)).state.status).toBe('completed');
    expect(await compensations(inventoryFailed)).toEqual(['retry_sync']);
    expect((await streamTypes(accountsStream(instanceId))).slice(-2)).toEqual([
      'InstanceInventorySynced',
      'PermissionsSynced',
    ]);

    const permissionsFailed = await syncFailing('permissions');
    await retry()(permissionsFailed, instanceId, ctx);
    expect((await loadSession(h.raw, permissionsFailed)).state.status).toBe('completed');
    expect(await compensations(permissionsFailed)).toEqual(['retry_permissions']);
    expect(await streamTypes(capacityStream(instanceId))).toEqual(capacityBefore);
  });

  it('a record of a category without a retry is refused, and nothing is appended', async () => {
    const sessionId = await failedSession('classification', {
      phase: 'other',
      messageCode: 'DATABASE_QUERY_ERROR',
      message: 'classification failed',
    });
    const before = (await loadSession(h.raw, sessionId)).history.length;
    const accountsBefore = await streamTypes(accountsStream(instanceId));

    const refused = await retry()(sessionId, instanceId, ctx).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({
      code: 'CONSTRAINT_VIOLATION',
      message: expect.stringContaining('classification'),
    });
    expect((await loadSession(h.raw, sessionId)).history).toHaveLength(before);
    expect(await streamTypes(accountsStream(instanceId))).toEqual(accountsBefore);
  });

  it('confirm-inventory runs a whole account sync for a record stopped by the inventory guard, and only for one', async () => {
    const failedWith = (messageCode: string) =>
      failedSession('account', {
        phase: 'inventory',
        messageCode,
        message: 'the inventory would deactivate 10 of 12 accounts',
      });
    const confirm = makeConfirmInventory({ ...h.deps, timeZone: 'UTC' });

    const other = await failedWith('DATABASE_QUERY_ERROR');
    const before = (await loadSession(h.raw, other)).history.length;
    await expect(confirm(other, instanceId, ctx)).rejects.toMatchObject({
      code: 'CONSTRAINT_VIOLATION',
      message: 'the record did not fail at the inventory guard: there is no mass deactivation to confirm',
    });
    expect((await loadSession(h.raw, other)).history).toHaveLength(before);

    const guarded = await failedWith('INVENTORY_GUARD_TRIPPED');
    expect(await (await confirm(guarded, instanceId, ctx)).done).toMatchObject({ status: 'completed' });
    expect(await compensations(guarded)).toEqual(['confirm_inventory']);
    expect((await streamTypes(accountsStream(instanceId))).slice(-2)).toEqual([
      'InstanceInventorySynced',
      'PermissionsSynced',
    ]);
  });
});
