// The local MariaDB as a remote server for e2e tests of several processes: a collector account of the
// test's own, a latency proxy in front (each direction delayed), and the instances registered through it.
import mysql from 'mysql2/promise';
import { startLatencyProxy, type LatencyProxy } from './latencyProxy.js';
import { createCollector, dropCollector } from './mariadbCollector.js';

export interface RemoteMariadb {
  proxy: LatencyProxy;
  collector: { user: string; password: string };
  close(): Promise<void>;
}

/** Opens the collector `{prefix}_col` and a proxy `delayMs` away from the MariaDB at `serviceUrl`. */
export async function openRemoteMariadb(
  serviceUrl: string,
  prefix: string,
  delayMs: number,
): Promise<RemoteMariadb> {
  const collector = { user: `${prefix}_col`, password: `Col-${prefix}-pw` };
  const root = await mysql.createConnection({ uri: serviceUrl, multipleStatements: true });
  await createCollector(root, collector.user, collector.password);
  const target = new URL(serviceUrl);
  const proxy = await startLatencyProxy(
    { host: target.hostname, port: Number(target.port || 3306) },
    delayMs,
  );
  return {
    proxy,
    collector,
    async close() {
      await proxy.close();
      await dropCollector(root, collector.user);
      await root.end();
    },
  };
}

type Post = (
  path: string,
  body: unknown,
) => Promise<{ status: number; body: { data: Record<string, unknown> } }>;

/** Registers a credential for the collector and `count` instances `far-{n}` behind the proxy; their ids. */
export async function registerRemoteInstances(
  post: Post,
  remote: RemoteMariadb,
  count: number,
): Promise<string[]> {
  const cred = await post('/credentials', {
    name: 'collector',
    db_type: 'mysql',
    username: remote.collector.user,
    password: remote.collector.password,
  });
  if (cred.status !== 201) throw new Error(`credential not created: ${cred.status}`);
  const ids: string[] = [];
  for (let n = 0; n < count; n++) {
    const made = await post('/instances', {
      name: `far-${n}`,
      db_type: 'mysql',
      host: remote.proxy.host,
      port: remote.proxy.port,
      credential_id: cred.body.data.id,
      allow_duplicate: true,
    });
    if (made.status !== 201) throw new Error(`instance far-${n} not registered: ${made.status}`);
    ids.push(made.body.data.id as string);
  }
  return ids;
}
