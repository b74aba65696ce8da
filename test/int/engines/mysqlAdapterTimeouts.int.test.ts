// Timeouts of the MySQL/MariaDB adapter: a server that never answers the handshake, and a statement
// slower than the query timeout.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlAdapter } from '../../../src/adapters/engines/mysql/mysqlAdapter.js';
import type { ConnectionParams } from '../../../src/adapters/engines/port.js';
import { mysqlService, titled } from '../../support/services.js';

const service = mysqlService();

describe('MySQL/MariaDB adapter, connect timeout', () => {
  let silent: net.Server;
  const sockets = new Set<net.Socket>();
  let port: number;

  beforeAll(async () => {
    silent = net.createServer((s) => sockets.add(s)); // accepts, never sends the handshake
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('a server that never answers is DATABASE_TIMEOUT after connectTimeoutMs', async () => {
    const params: ConnectionParams = {
      dbType: 'mysql',
      host: '127.0.0.1',
      port,
      username: 'nobody',
      password: 'Never-In-Messages-1',
    };
    const adapter = createMysqlAdapter(params, { connectTimeoutMs: 300 });
    const started = Date.now();
    const err = await adapter.testConnection().catch((e: unknown) => e);
    await adapter.close();
    expect(err).toMatchObject({ name: 'EngineError', code: 'DATABASE_TIMEOUT' });
    expect((err as Error).message).not.toContain('Never-In-Messages-1');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe.skipIf(!service.url)(titled('MySQL/MariaDB adapter, query timeout', service), () => {
  // Sizes skip the system schemas and take about a millisecond without more: a hundred views (each parsed
  // to be listed in information_schema.TABLES) make the sizes statement last well beyond 1 ms.
  const db = `wft_${randomBytes(4).toString('hex')}_views`;
  let admin: mysql.Connection;
  beforeAll(async () => {
    admin = await mysql.createConnection({ uri: service.url!, multipleStatements: true });
    await admin.query(`CREATE DATABASE \`${db}\`; CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY)`);
    await admin.query(
      Array.from({ length: 100 }, (_, i) => `CREATE VIEW \`${db}\`.v${i} AS SELECT id FROM \`${db}\`.t`).join(
        ';',
      ),
    );
  });
  afterAll(async () => {
    await admin?.query(`DROP DATABASE IF EXISTS \`${db}\``).catch(() => undefined);
    await admin?.end();
  });

  it('a statement slower than queryTimeoutMs is DATABASE_TIMEOUT', async () => {
    const u = new URL(service.url!);
    const adapter = createMysqlAdapter(
      {
        dbType: 'mysql',
        host: u.hostname,
        port: Number(u.port || 3306),
        username: decodeURIComponent(u.username),
        password: decodeURIComponent(u.password),
      },
      { queryTimeoutMs: 1 },
    );
    try {
      await expect(adapter.databaseSizes()).rejects.toMatchObject({ code: 'DATABASE_TIMEOUT' });
    } finally {
      await adapter.close();
    }
  });
});
