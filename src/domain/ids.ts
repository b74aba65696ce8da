// Stable ids of read-model rows that have a natural key but no id of their own in the events (accounts,
// databases): the same key gives the same id in every process, live run and rebuild, and in the
// migration that filled the ids of existing rows.
import { createHash } from 'node:crypto';

/**
 * A UUID (version 5 layout, no namespace) from sha1 of the parts joined with '/'. Only the last part may
 * contain '/' (the earlier ones are UUIDs or fixed words), so distinct keys never share an input string.
 */
export function stableId(...parts: readonly string[]): string {
  const h = createHash('sha1').update(parts.join('/'), 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** The stable id of an account: from `${instanceId}/${username}`, the input of every id issued so far. */
export const accountId = (instanceId: string, username: string): string => stableId(instanceId, username);

/**
 * The id of a database of an instance's inventory. 'database' comes first so that a database and an
 * account of the same name on the same instance get different ids.
 */
export const databaseId = (instanceId: string, databaseName: string): string =>
  stableId('database', instanceId, databaseName);
