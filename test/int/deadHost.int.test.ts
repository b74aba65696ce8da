// A dead host (its port blackholed by the fault proxy: connections accepted, never answered) costs one
// connect timeout per attempt, in every phase that talks to it first: not one per catalog the phase reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineAdapter } from '../../src/adapters/engines/index.js';
import type { EngineAdapter } from '../../src/adapters/engines/port.js';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { collectInstanceCapacity } from '../../src/commands/sync/collectCapacity.js';
import { PhaseError } from '../../src/commands/sync/phaseError.js';
import { syncInstanceAccounts } from '../../src/commands/sync/syncInstanceAccounts.js';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy.js';
import { monitoredPostgresService, mysqlService, titled, type ServiceStatus } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';

const CONNECT_TIMEOUT_MS = 1000;
const ctx = { actor: { kind: 'user' as const, id: 'tester' }, correlationId: 'c', now: new Date() };

const engines: [string, 'mysql' | 'postgresql', ServiceStatus][] = [
  ['MariaDB', 'mysql', mysqlService()],
  ['PostgreSQL', 'postgresql', monitoredPostgresService()],
];

describe.each(engines)('a blackholed %s', (name, dbType, service) => {
  describe.skipIf(!service.url)(titled(`${name} behind the fault proxy`, service), () => {
    let proxy: FaultProxy;
    let db: TestDatabase;
    let store: PostgresEventStore;
    const adapter = (): EngineAdapter =>
      createEngineAdapter(
        { dbType, host: proxy.host, port: proxy.port, username: 'nobody', password: 'Never-Sent-1' },
        { connectTimeoutMs: CONNECT_TIMEOUT_MS },
      );

    beforeAll(async () => {
      const u = new URL(service.url!);
      proxy = await startFaultProxy({ host: u.hostname, port: Number(u.port) });
      proxy.blackhole();
      db = await createTestDatabase();
      store = new PostgresEventStore(db.pool);
    });
    afterAll(async () => {
      await proxy?.close();
      await store?.close();
      await db?.drop();
    });

    /** How long the phase took to fail, and how it failed. */
    const timed = async (work: (a: EngineAdapter) => Promise<unknown>) => {
      const a = adapter();
      const started = performance.now();
      const err = await work(a).then(
        () => undefined,
        (e: unknown) => e,
      );
      const ms = performance.now() - started;
      await a.close();
      return { ms, err };
    };
    const ids = () => ({ instanceId: crypto.randomUUID(), sessionId: crypto.randomUUID() });

    it('a capacity collection attempt fails after one connect timeout', async () => {
      const { ms, err } = await timed((a) =>
        collectInstanceCapacity({ store, adapter: a, ...ids(), ctx, timeZone: 'UTC' }),
      );
      expect(err).toBeInstanceOf(PhaseError);
      expect(err).toMatchObject({ phase: 'inventory', messageCode: 'DATABASE_TIMEOUT' });
      expect(ms).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS * 0.9);
      expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS * 1.6);
    });

    it('an account sync attempt fails after one connect timeout', async () => {
      const { ms, err } = await timed((a) =>
        syncInstanceAccounts({ store, adapter: a, dbType, ...ids(), ctx }),
      );
      expect(err).toMatchObject({ phase: 'inventory', messageCode: 'DATABASE_TIMEOUT' });
      expect(ms).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS * 0.9);
      expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS * 1.6);
    });
  });
});
