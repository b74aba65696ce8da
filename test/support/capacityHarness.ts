// The integration harness of capacity collection: a migrated database for the event log and read tables,
// a credential and instances registered through the real commands, and collections run by the real
// session runner. The monitored servers are shared with other suites, so a suite sees only the databases
// it created (`onlyDatabases`); the adapter underneath is the real one.
import type { EngineAdapter } from '../../src/adapters/engines/port.js';
import { createEngineAdapter } from '../../src/adapters/engines/index.js';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { validatingEventStore } from '../../src/adapters/eventStore/validatingEventStore.js';
import { generateKey } from '../../src/adapters/keyring/keyring.js';
import { makeCreateCredential } from '../../src/commands/credentials.js';
import { makeRegisterInstance } from '../../src/commands/instances.js';
import { makeRunCapacityCollection } from '../../src/commands/sync/collectCapacity.js';
import type { SessionRunDeps } from '../../src/commands/sync/runSession.js';
import { loadSession } from '../../src/commands/sync/sessionWriter.js';
import { capacityStream } from '../../src/domain/capacity/events.js';
import type { DbType } from '../../src/domain/engines/model.js';
import { createEventRegistry } from '../../src/domain/eventTypes.js';
import { createLogger } from '../../src/logger.js';
import type { InstanceTarget } from '../../src/commands/connections.js';
import { createTestDatabase, type TestDatabase } from './testDatabase.js';

export interface StatsData {
  collectedDate: string;
  databases: { databaseName: string; sizeMb: number; dataSizeMb: number | null; logSizeMb: number | null }[];
  totalSizeMb: number;
  databaseCount: number;
}

export interface MonitoredServer {
  dbType: DbType;
  host: string;
  port: number;
  username: string;
  password: string;
}

/** Puts a test's own twist on the real adapter of an instance (which databases it lists, failures). */
export type AdapterWrap = (real: EngineAdapter, instance: InstanceTarget) => EngineAdapter;

export interface CapacityHarness {
  db: TestDatabase;
  raw: PostgresEventStore;
  /** What the harness runs collections with (the wrapped real adapter): for other commands on its sessions. */
  deps: SessionRunDeps;
  /** A credential for the server and one instance per name; returns the instance ids by name. */
  register<N extends string>(server: MonitoredServer, names: readonly N[]): Promise<Record<N, string>>;
  collect(instanceIds: string[]): Promise<Awaited<ReturnType<typeof loadSession>>>;
  /** The data of the instance's StatsSaved events, in order. */
  statsOf(instanceId: string): Promise<StatsData[]>;
  close(): Promise<void>;
}

/** The real adapter, listing only the databases whose names start with prefix. */
export const onlyDatabases = (real: EngineAdapter, prefix: string): EngineAdapter => ({
  ...real,
  dbType: real.dbType,
  close: () => real.close(),
  databaseSizes: () => real.databaseSizes(),
  listDatabases: async () => {
    const all = await real.listDatabases();
    return { ...all, items: all.items.filter((d) => d.name.startsWith(prefix)) };
  },
});

/** The adapter, listing and reading the permissions of only the accounts `ours` accepts. */
export const onlyAccounts = (
  adapter: EngineAdapter,
  ours: (account: { username: string }) => boolean,
): EngineAdapter => ({
  ...adapter,
  dbType: adapter.dbType,
  close: () => adapter.close(),
  listAccounts: async () => {
    const all = await adapter.listAccounts();
    return { ...all, items: all.items.filter(ours) };
  },
  permissionSnapshot: async () => {
    const all = await adapter.permissionSnapshot();
    return { ...all, items: all.items.filter(ours) };
  },
});

export async function openCapacityHarness(wrap: AdapterWrap): Promise<CapacityHarness> {
  const db = await createTestDatabase();
  const raw = new PostgresEventStore(db.pool);
  const store = () => validatingEventStore(raw, createEventRegistry());
  const ring = { current: generateKey(), previous: [] };
  const logger = createLogger({ level: 'silent' });
  const ctx = () => ({ actor: { kind: 'user' as const, id: 'tester' }, correlationId: 'c', now: new Date() });

  const register = async <N extends string>(server: MonitoredServer, names: readonly N[]) => {
    const { dbType, host, port, username, password } = server;
    const cred = await makeCreateCredential({ knex: db.knex, store: store(), keyring: () => ring })(
      { name: `${dbType}-${names.join('-')}`, dbType, username, password, description: '' },
      ctx(),
    );
    const ids = {} as Record<N, string>;
    const registerInstance = makeRegisterInstance({ knex: db.knex, store: store() });
    for (const name of names) {
      const fields = { name, dbType, host, port, databaseName: null, credentialId: cred.id, description: '' };
      // Several instances of one server, on purpose.
      ids[name] = (await registerInstance(fields, ctx(), { allowDuplicate: true })).id;
    }
    return ids;
  };

  const deps: SessionRunDeps = {
    knex: db.knex,
    pool: db.pool,
    store: store(),
    keyring: () => ring,
    logger,
    adapterFor: (instance, params) => wrap(createEngineAdapter(params), instance),
  };
  const collect = async (instanceIds: string[]) => {
    const run = makeRunCapacityCollection(deps, 'UTC');
    const started = await run({ instanceIds }, 'manual_batch', ctx(), { backoffMs: 10 });
    await started.done;
    return loadSession(raw, started.sessionId);
  };

  const statsOf = async (instanceId: string) =>
    (await raw.readStream(capacityStream(instanceId)))
      .filter((e) => e.type === 'StatsSaved')
      .map((e) => e.data as StatsData);

  return {
    db,
    raw,
    deps,
    register,
    collect,
    statsOf,
    async close() {
      await raw.close();
      await db.drop();
    },
  };
}
