// The local MariaDB as an operator registers it over the API of the built server (apiServer.ts): a
// credential, then the instance; and an account sync started over HTTP and awaited.
import { expect } from 'vitest';
import type { ApiServer } from './apiServer.js';
import { collectorServer } from './mariadbCollector.js';

/**
 * Registers the local MariaDB (`serviceUrl`), reached as `collector` (through `via` when given: a fault
 * proxy), as the instance `name`, with a credential of the same name; its id.
 */
export async function registerCollector(
  api: ApiServer,
  token: string,
  name: string,
  serviceUrl: string,
  collector: { user: string; password: string },
  via: { host: string; port: number } = collectorServer(serviceUrl, collector),
): Promise<string> {
  const { dbType, username, password } = collectorServer(serviceUrl, collector);
  const cred = await api.call<{ data: { id: string } }>('POST', '/credentials', {
    token,
    body: { name, db_type: dbType, username, password },
  });
  const inst = await api.call<{ data: { id: string } }>('POST', '/instances', {
    token,
    body: { name, db_type: dbType, host: via.host, port: via.port, credential_id: cred.body.data.id },
  });
  return inst.body.data.id;
}

/** Starts an account sync of the instance (202) and waits until its session is no longer running; its id. */
export async function syncAccountsAndWait(
  api: ApiServer,
  token: string,
  instanceId: string,
): Promise<string> {
  const started = await api.call<{ data: { session_id: string } }>(
    'POST',
    `/instances/${instanceId}/actions/sync-accounts`,
    { token },
  );
  expect(started.status).toBe(202);
  const id = started.body.data.session_id;
  await expect
    .poll(
      async () =>
        (await api.call<{ data: { status: string } }>('GET', `/sync-sessions/${id}`, { token })).body.data
          .status,
      { timeout: 30_000 },
    )
    .not.toBe('running');
  return id;
}
