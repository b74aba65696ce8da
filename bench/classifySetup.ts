// The store of the classify benchmark (classify.ts), filled as account syncs would have left it, without a
// monitored server: instances registered through the real command (a credential per engine, pointing
// nowhere: a classification opens no connection), and each instance's accounts stream with one
// InstanceInventorySynced and one PermissionsSynced of its generated accounts (classifyData.ts). Later fact
// changes are appended as the account sync does: a PermissionsSynced of the changed accounts with their diff.
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { PostgresEventStore } from '../src/adapters/eventStore/postgresEventStore.js';
import type { EventStore } from '../src/adapters/eventStore/port.js';
import { validatingEventStore } from '../src/adapters/eventStore/validatingEventStore.js';
import { generateKey } from '../src/adapters/keyring/keyring.js';
import { newEvent, type CommandContext } from '../src/commands/commandContext.js';
import { makeCreateCredential } from '../src/commands/credentials.js';
import { makeRegisterInstance } from '../src/commands/instances.js';
import type { SessionRunDeps, SessionWork } from '../src/commands/sync/runSession.js';
import { accountsStream } from '../src/domain/accounts/events.js';
import { diffFacts } from '../src/domain/accounts/ledger.js';
import { assignmentsStream } from '../src/domain/classification/assignments.js';
import type { DbType } from '../src/domain/engines/model.js';
import { createEventRegistry } from '../src/domain/eventTypes.js';
import { createLogger } from '../src/logger.js';
import { parentPid } from './cpuUsage.js';
import { inventoryEntry, instanceAccounts, snapshotOf, type BenchAccount } from './classifyData.js';
import type { BenchDatabase } from './support.js';

export interface BenchInstance {
  id: string;
  dbType: DbType;
  accounts: BenchAccount[];
}

export interface ClassifyStore {
  raw: PostgresEventStore;
  /** The service's store: every event validated on append and decoded on read. */
  store: EventStore;
  deps: SessionRunDeps;
  ctx: CommandContext;
}

export function openStore(db: BenchDatabase): ClassifyStore {
  const raw = new PostgresEventStore(db.pool);
  const store = validatingEventStore(raw, createEventRegistry());
  const ring = { current: generateKey(), previous: [] };
  const logger = createLogger({ level: 'warn' });
  const ctx: CommandContext = {
    actor: { kind: 'user', id: 'bench' },
    correlationId: randomUUID(),
    now: new Date(),
  };
  return { raw, store, ctx, deps: { knex: db.knex, pool: db.pool, store, keyring: () => ring, logger } };
}

/** Registers `count` instances, alternately MySQL and PostgreSQL, each with `perInstance` accounts synced. */
export async function fillStore(
  db: BenchDatabase,
  s: ClassifyStore,
  count: number,
  perInstance: number,
): Promise<BenchInstance[]> {
  const credentialFor = new Map<DbType, string>();
  for (const dbType of ['mysql', 'postgresql'] as const) {
    const { id } = await makeCreateCredential({ knex: db.knex, store: s.store, keyring: s.deps.keyring })(
      { name: `bench-${dbType}`, dbType, username: 'collector', password: 'not-used-1234', description: '' },
      s.ctx,
    );
    credentialFor.set(dbType, id);
  }
  const register = makeRegisterInstance({ knex: db.knex, store: s.store });
  const limit = pLimit(4);
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      limit(async () => {
        const dbType: DbType = i % 2 === 0 ? 'mysql' : 'postgresql';
        const { id } = await register(
          {
            name: `bench-classify-${String(i).padStart(4, '0')}`,
            dbType,
            host: '127.0.0.1',
            port: dbType === 'mysql' ? 3306 : 5432,
            databaseName: null,
            credentialId: credentialFor.get(dbType)!,
            description: '',
          },
          s.ctx,
          { allowDuplicate: true },
        );
        const accounts = instanceAccounts(id, dbType, i, perInstance);
        await appendSync(s, id, dbType, accounts);
        return { id, dbType, accounts };
      }),
    ),
  );
}

/** A first account sync's events: the inventory, then every account's facts. */
async function appendSync(s: ClassifyStore, instanceId: string, dbType: DbType, accounts: BenchAccount[]) {
  const sessionId = randomUUID();
  const e = (type: string, data: Record<string, unknown>) =>
    newEvent(s.ctx, type, data, { sessionId, instanceId });
  await s.store.append(
    accountsStream(instanceId),
    [
      e('InstanceInventorySynced', {
        instanceId,
        sessionId,
        dbType,
        accounts: accounts.map((a) => inventoryEntry(dbType, a)),
        added: accounts.map((a) => a.username).sort(),
        changed: [],
        deactivated: [],
        reactivated: [],
      }),
      e('PermissionsSynced', {
        instanceId,
        sessionId,
        accounts: accounts.map((a) => ({
          username: a.username,
          facts: a.facts,
          snapshot: snapshotOf(dbType, a.facts),
          diff: null,
        })),
        errors: [],
      }),
    ],
    { expectedRevision: 'no_stream' },
  );
}

/** Appends the new facts of `changed` (same usernames, new facts) as one PermissionsSynced with their diffs. */
export async function appendChanges(
  s: ClassifyStore,
  instance: BenchInstance,
  changed: readonly { before: BenchAccount; after: BenchAccount }[],
): Promise<void> {
  const sessionId = randomUUID();
  await s.store.append(
    accountsStream(instance.id),
    [
      newEvent(
        s.ctx,
        'PermissionsSynced',
        {
          instanceId: instance.id,
          sessionId,
          accounts: changed.map(({ before, after }) => ({
            username: after.username,
            facts: after.facts,
            snapshot: snapshotOf(instance.dbType, after.facts),
            diff: diffFacts(before.facts, after.facts),
          })),
          errors: [],
        },
        { sessionId, instanceId: instance.id },
      ),
    ],
    { expectedRevision: 'any' },
  );
}

export interface Appended {
  events: number;
  instances: Set<string>;
  added: Set<string>;
  removed: Set<string>;
}

/** The AssignmentsChanged a session appended: how many, on which instances, which ids were added and removed. */
export async function appendedBy(db: BenchDatabase, sessionId: string): Promise<Appended> {
  const { rows } = await db.pool.query<{ stream_id: string; side: string; id: string | null }>(
    `SELECT e.stream_id, s.side, x->>'assignmentId' AS id
     FROM events e
     CROSS JOIN (VALUES ('added'), ('removed')) s(side)
     LEFT JOIN LATERAL jsonb_array_elements(e.data->s.side) x ON true
     WHERE e.type = 'AssignmentsChanged' AND e.data->>'sessionId' = $1`,
    [sessionId],
  );
  const out: Appended = { events: 0, instances: new Set(), added: new Set(), removed: new Set() };
  for (const r of rows) {
    out.instances.add(r.stream_id);
    if (r.id) (r.side === 'added' ? out.added : out.removed).add(r.id);
  }
  out.events = (
    await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events WHERE type = 'AssignmentsChanged' AND data->>'sessionId' = $1`,
      [sessionId],
    )
  ).rows[0]!.n;
  return out;
}

export const countEvents = async (db: BenchDatabase): Promise<number> =>
  Number((await db.knex('events').count({ c: '*' }))[0]!.c);

/** The local PostgreSQL's postmaster, for its CPU time (the embedded one counts as this process's child). */
export async function postmasterPid(db: BenchDatabase): Promise<number | undefined> {
  if (!process.env.BENCH_DATABASE_URL) return undefined;
  const { rows } = await db.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return rows[0] ? parentPid(rows[0].pid, 'postgres') : undefined;
}

/** A classification record that only reads the assignments stream and appends nothing (the floor run). */
export const floorWork: SessionWork = {
  startPhase: 'classify',
  attemptFor:
    ({ instance }) =>
    async ({ store }) => {
      await store.readStream(assignmentsStream(instance.id));
      return { itemsSynced: 0, itemsCreated: 0, itemsUpdated: 0, itemsDeleted: 0, details: {} };
    },
};
