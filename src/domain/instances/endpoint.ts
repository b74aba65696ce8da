// Which server an instance monitors: its engine, host and port. Two instances with the same endpoint
// watch one server (their accounts, sizes and summaries would count it twice), so a second one is
// registered only when the request says that is intended.
import type { DbType } from '../engines/model.js';

export interface Endpoint {
  dbType: DbType;
  host: string;
  port: number;
}

/** Host names compare without case and surrounding spaces: `DB1.example ` and `db1.example` are one server. */
export const endpointKey = (e: Endpoint): string => `${e.dbType}|${e.host.trim().toLowerCase()}|${e.port}`;

/** The endpoint after `changes`; undefined fields keep their value. */
export const changedEndpoint = (current: Endpoint, changes: Partial<Endpoint>): Endpoint => ({
  dbType: changes.dbType ?? current.dbType,
  host: changes.host ?? current.host,
  port: changes.port ?? current.port,
});

export const describeEndpoint = (e: Endpoint): string => `${e.dbType} ${e.host.trim()}:${e.port}`;

/** The endpoint an instance-{id} stream ends at (registered, then changed), or undefined before it exists. */
export function endpointOf(events: readonly { type: string; data: unknown }[]): Endpoint | undefined {
  let endpoint: Endpoint | undefined;
  for (const e of events) {
    if (e.type === 'InstanceRegistered') {
      const d = e.data as Endpoint;
      endpoint = { dbType: d.dbType, host: d.host, port: d.port };
    } else if (e.type === 'InstanceUpdated' && endpoint) {
      endpoint = changedEndpoint(endpoint, (e.data as { changes: Partial<Endpoint> }).changes);
    }
  }
  return endpoint;
}
