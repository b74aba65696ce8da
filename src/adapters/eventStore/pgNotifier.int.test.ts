// The LISTEN connection when its LISTEN fails (a dead connection from the pool after a server restart):
// the client goes back to the pool broken, so the pool is not left one connection short for ever and
// pool.end() can finish.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../../../test/support/faultProxy.js';
import { postgresService, titled } from '../../../test/support/services.js';
import { PgNotifier } from './pgNotifier.js';

const service = postgresService();
describe.skipIf(!service.url)(titled('PgNotifier when LISTEN fails', service), () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    const u = new URL(service.url!);
    proxy = await startFaultProxy({ host: u.hostname, port: Number(u.port || 5432) });
  });
  afterAll(() => proxy.close());

  it('gives a client whose LISTEN failed back to the pool', async () => {
    const u = new URL(service.url!);
    u.hostname = proxy.host;
    u.port = String(proxy.port);
    const pool = new pg.Pool({ connectionString: u.toString(), max: 1 });
    pool.on('error', () => undefined);
    const notifier = new PgNotifier(pool, 'wf_notifier_test');
    proxy.drop('LISTEN wf_notifier_test', { times: 1 });
    try {
      expect(await notifier.next(300)).toBe('timeout');
      expect(proxy.hits('LISTEN wf_notifier_test')).toBe(1);
      // The only connection slot is free again: a query gets a connection at once.
      const answered = await Promise.race([
        pool.query('SELECT 1 AS one').then((r) => r.rows[0].one as number),
        new Promise<'stuck'>((r) => setTimeout(() => r('stuck'), 2000)),
      ]);
      expect(answered).toBe(1);
    } finally {
      await notifier.close();
      await pool.end();
    }
  });
});
