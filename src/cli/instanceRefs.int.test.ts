// `--instance` resolved on the write side (instance streams, name reservations), with no projection run:
// an id in any case, a name case-insensitively and trimmed, a renamed instance by its new name only, a
// deleted one refused, and an unknown one refused with the live names it may have meant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../adapters/eventStore/postgresEventStore.js';
import { validatingEventStore } from '../adapters/eventStore/validatingEventStore.js';
import { generateKey } from '../adapters/keyring/keyring.js';
import { instanceDirectory } from '../commands/connections.js';
import { makeDeleteInstance, makeUpdateInstance } from '../commands/instances.js';
import { createEventRegistry } from '../domain/eventTypes.js';
import { registerInstance } from '../../test/support/registeredInstance.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/testDatabase.js';
import { resolveInstances } from './instanceRefs.js';

const ctx = { actor: { kind: 'user' as const, id: 'tester' }, correlationId: 'c', now: new Date() };

describe('--instance names and ids, resolved from the write side', () => {
  let db: TestDatabase;
  let raw: PostgresEventStore;
  let directory: ReturnType<typeof instanceDirectory>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    raw = new PostgresEventStore(db.pool);
    const store = validatingEventStore(raw, createEventRegistry());
    const ring = { current: generateKey(), previous: [] };
    const register = async (name: string, port: number) =>
      (ids[name] = await registerInstance(
        { db, store, keyring: () => ring },
        { name, dbType: 'mysql', url: new URL(`mysql://127.0.0.1:${port}`), username: 'u', password: 'p' },
        ctx,
      ));
    await register('Orders-Main', 3301);
    await register('orders-replica', 3302);
    await register('Old-Name', 3303);
    await register('Orders-Gone', 3304);
    await makeUpdateInstance({ knex: db.knex, store })(ids['Old-Name']!, { name: 'New-Name' }, ctx);
    await makeDeleteInstance({ store })(ids['Orders-Gone']!, ctx);
    directory = instanceDirectory({ knex: db.knex, store, keyring: () => ring });
  });
  afterAll(async () => {
    await raw.close();
    await db.drop();
  });

  it('finds ids and names before any projection ran, in the order given, without repeats', async () => {
    expect(Number((await db.knex('instances').count({ n: '*' }))[0]!.n)).toBe(0);
    const refs = ['  orders-MAIN ', ids['orders-replica']!.toUpperCase(), ids['Orders-Main']!, 'new-name'];
    expect(await resolveInstances(directory, refs)).toEqual([
      { id: ids['Orders-Main'], name: 'Orders-Main' },
      { id: ids['orders-replica'], name: 'orders-replica' },
      { id: ids['Old-Name'], name: 'New-Name' },
    ]);
  });

  it('refuses an old name, a deleted instance and an unknown one, naming the live instances meant', async () => {
    await expect(resolveInstances(directory, ['old-name'])).rejects.toThrow(
      /^unknown instance 'old-name': no instance has that name or id$/,
    );
    await expect(resolveInstances(directory, ['name'])).rejects.toThrow(
      "unknown instance 'name': no instance has that name or id (did you mean 'New-Name'?)",
    );
    await expect(resolveInstances(directory, ['orders-gone'])).rejects.toThrow(
      `instance 'Orders-Gone' (${ids['Orders-Gone']}) is deleted: restore it before syncing it`,
    );
    await expect(resolveInstances(directory, ['ORDERS'])).rejects.toThrow(
      "unknown instance 'ORDERS': no instance has that name or id (did you mean 'Orders-Main', 'orders-replica'?)",
    );
    await expect(resolveInstances(directory, ['100%_'])).rejects.toThrow(
      /^unknown instance '100%_': no instance has that name or id$/,
    );
  });
});
