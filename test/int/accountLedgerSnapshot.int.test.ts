// Account ledger snapshots on the real store (PostgreSQL): a nightly sync reads the events since the
// snapshot, not the whole stream, and appends exactly what a sync folding the whole stream appends,
// over syncs with changes, a deactivation, a reactivation, an unread account and failed permissions.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineAdapter } from '../../src/adapters/engines/port.js';
import type { EventStore } from '../../src/adapters/eventStore/port.js';
import type { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { ledgerSnapshots } from '../../src/commands/sync/ledgerSnapshots.js';
import { syncInstanceAccounts } from '../../src/commands/sync/syncInstanceAccounts.js';
import { accountsStream } from '../../src/domain/accounts/events.js';
import { makeFacts, type AccountPermissions } from '../../src/domain/engines/model.js';
import { createLogger } from '../../src/logger.js';
import { postgresService, titled } from '../support/services.js';
import type { TestDatabase } from '../support/testDatabase.js';
import { openValidatedStore, type ValidatedStore } from '../support/validatedStore.js';

const service = postgresService();
const ctx = {
  actor: { kind: 'user' as const, id: 'tester' },
  correlationId: 'c',
  now: new Date('2026-12-01T02:00:00Z'),
};
const logger = createLogger({ level: 'silent' });

/** What the engine shows on one night: accounts with their global privileges; `unread` could not be read. */
interface Night {
  accounts: Record<string, string[]>;
  locked?: string[];
  unread?: string[];
  failPermissions?: boolean;
}

const NIGHTS: Night[] = [
  { accounts: { alice: ['SELECT'], bob: ['SELECT'], carol: ['INSERT'] } },
  { accounts: { alice: ['SELECT', 'INSERT'], bob: ['SELECT'], carol: ['INSERT'] } }, // a grant
  { accounts: { alice: ['SELECT', 'INSERT'], bob: ['SELECT'] } }, // carol deactivated
  { accounts: { alice: ['SELECT', 'INSERT'], bob: ['SELECT'], dave: [] }, failPermissions: true },
  { accounts: { alice: ['SELECT'], bob: ['SELECT'], dave: ['SELECT'] }, unread: ['bob'] },
  {
    accounts: { alice: ['SELECT'], bob: ['UPDATE'], carol: ['INSERT'], dave: ['SELECT'] },
    locked: ['alice'],
  }, // carol back
  { accounts: { alice: ['SELECT'], bob: ['UPDATE'], carol: ['INSERT'], dave: ['SELECT'] } },
  { accounts: { alice: ['SELECT'], bob: ['UPDATE'], carol: [], dave: ['SELECT'] } },
];

const adapterOf = (night: Night): EngineAdapter =>
  ({
    dbType: 'mysql',
    close: async () => {},
    listAccounts: () =>
      Promise.resolve({
        items: Object.keys(night.accounts).map((username) => ({
          username,
          isSystem: false,
          locked: night.locked?.includes(username) ?? false,
          attributes: { plugin: 'mysql_native_password', host: '%' },
        })),
        errors: [],
      }),
    permissionSnapshot: () => {
      if (night.failPermissions) return Promise.reject(new Error('the collector lost its grants mid-sync'));
      const unread = night.unread ?? [];
      const items: AccountPermissions[] = Object.entries(night.accounts).map(([username, global]) => {
        const errors = unread.includes(username)
          ? [
              {
                item: 'global_privileges',
                code: 'PERMISSION_DENIED' as const,
                message: 'denied',
                account: username,
              },
            ]
          : [];
        return {
          username,
          snapshot: {
            version: 4,
            db_type: 'mysql',
            categories: { global_privileges: global },
            type_specific: {},
            errors,
            meta: { collected_at: ctx.now.toISOString(), server_version: null },
          },
          facts: { ...makeFacts('mysql', { global: unread.includes(username) ? [] : global }), errors },
        };
      });
      return Promise.resolve({ items, errors: items.flatMap((i) => i.snapshot.errors) });
    },
  }) as unknown as EngineAdapter;

describe.skipIf(!service.url)(titled('account ledger snapshots', service), () => {
  let opened: ValidatedStore;
  let db: TestDatabase;
  let raw: PostgresEventStore;
  let store: EventStore;
  let read = { events: 0, bytes: 0 };
  /** The store as a sync sees it, counting the events (and their JSON bytes) it reads. */
  const counted = (): Pick<EventStore, 'readStream' | 'append'> => ({
    append: (s, e, o) => store.append(s, e, o),
    readStream: async (s, o) => {
      const events = await store.readStream(s, o);
      read.events += events.length;
      read.bytes += events.reduce((n, e) => n + JSON.stringify(e.data).length, 0);
      return events;
    },
  });

  beforeAll(async () => {
    opened = await openValidatedStore();
    ({ db, raw, store } = opened);
  });
  afterAll(() => opened?.close());

  const night = async (instanceId: string, n: Night, sessionId: string, snapshots: boolean) => {
    read = { events: 0, bytes: 0 };
    const result = await syncInstanceAccounts({
      store: counted(),
      adapter: adapterOf(n),
      dbType: 'mysql',
      instanceId,
      sessionId,
      ctx,
      ...(snapshots && { snapshots: ledgerSnapshots(db.knex, logger) }),
    }).catch((err: unknown) => err as Error);
    return { result, read };
  };
  /** An instance's events with what differs between two instances (ids) taken out. */
  const appended = async (instanceId: string) =>
    (await raw.readStream(accountsStream(instanceId))).map((e) => ({
      type: e.type,
      revision: e.revision,
      data: JSON.parse(JSON.stringify(e.data).replaceAll(instanceId, 'I')) as unknown,
    }));

  it('a nightly sync reads the snapshot and the events since, and appends what a whole fold appends', async () => {
    const [withSnapshots, without] = [randomUUID(), randomUUID()];
    const reads: { events: number; bytes: number; old: number }[] = [];
    for (const [i, n] of [...NIGHTS, ...NIGHTS.slice(5)].entries()) {
      const sessionId = randomUUID();
      const a = await night(withSnapshots, n, sessionId, true);
      const b = await night(without, n, sessionId, false);
      expect(a.result instanceof Error ? a.result.message : a.result, `night ${i}`).toEqual(
        b.result instanceof Error ? b.result.message : b.result,
      );
      reads.push({ ...a.read, old: b.read.events });
    }
    expect(await appended(withSnapshots)).toEqual(await appended(without));
    const events = await appended(without);
    expect(events.map((e) => e.type)).toContain('PermissionsFailed');
    expect(events.some((e) => (e.data as { reactivated?: string[] }).reactivated?.includes('carol'))).toBe(
      true,
    );
    expect(events.some((e) => (e.data as { unread?: unknown[] }).unread?.length)).toBe(true);

    // Each sync leaves a snapshot at its last event: the next reads that one event back (to check it is
    // the same log) and nothing else; after a failed sync, the event at the snapshot and the failed
    // sync's two. A whole fold reads every event so far (two a night).
    const nights = [...NIGHTS, ...NIGHTS.slice(5)];
    expect(reads.map((r) => r.events)).toEqual(
      reads.map((_, i) => (i === 0 ? 0 : nights[i - 1]!.failPermissions ? 3 : 1)),
    );
    expect(reads.map((r) => r.old)).toEqual(reads.map((_, i) => 2 * i));
    console.log(
      'events read per sync, with snapshots / whole fold:',
      reads.map((r) => `${r.events}/${r.old}`).join(' '),
    );
  });

  it('folds from the start when the snapshot is not of this stream (another event at its revision)', async () => {
    const [instanceId, check] = [randomUUID(), randomUUID()];
    const sessions = NIGHTS.slice(0, 3).map(() => randomUUID());
    await night(instanceId, NIGHTS[0]!, sessions[0]!, true);
    await night(instanceId, NIGHTS[1]!, sessions[1]!, true);
    await db
      .knex('account_ledger_snapshots')
      .where({ stream_id: accountsStream(instanceId) })
      .update({ event_id: randomUUID() });
    const third = await night(instanceId, NIGHTS[2]!, sessions[2]!, true);
    expect(third.read.events).toBe(1 + 4); // the event at the snapshot's revision, then the whole stream
    for (const [i, n] of NIGHTS.slice(0, 3).entries()) await night(check, n, sessions[i]!, false);
    expect(await appended(instanceId)).toEqual(await appended(check));
  });

  it('with eventIdAt, the check looks the snapshot event id up and reads only the events after it', async () => {
    const [withLookup, without] = [randomUUID(), randomUUID()];
    let lookups = 0;
    const lookingUp = (): Pick<EventStore, 'readStream' | 'append' | 'eventIdAt'> => ({
      ...counted(),
      eventIdAt: (s, revision) => {
        lookups += 1;
        return store.eventIdAt!(s, revision);
      },
    });
    const nights = [...NIGHTS, ...NIGHTS.slice(5)];
    const reads: number[] = [];
    const perNight: number[] = [];
    for (const [i, n] of nights.entries()) {
      const sessionId = randomUUID();
      read = { events: 0, bytes: 0 };
      lookups = 0;
      const a = await syncInstanceAccounts({
        store: lookingUp(),
        adapter: adapterOf(n),
        dbType: 'mysql',
        instanceId: withLookup,
        sessionId,
        ctx,
        snapshots: ledgerSnapshots(db.knex, logger),
      }).catch((err: unknown) => err as Error);
      reads.push(read.events);
      perNight.push(lookups);
      const b = await night(without, n, sessionId, false);
      expect(a instanceof Error ? a.message : a, `night ${i}`).toEqual(
        b.result instanceof Error ? b.result.message : b.result,
      );
    }
    expect(await appended(withLookup)).toEqual(await appended(without));
    // No event is read back to check the snapshot: none after a sync, the failed sync's two after one.
    expect(reads).toEqual(reads.map((_, i) => (i > 0 && nights[i - 1]!.failPermissions ? 2 : 0)));
    expect(perNight).toEqual(nights.map((_, i) => (i === 0 ? 0 : 1)));

    // A snapshot of another log (another id at its revision) is still refused: the stream is folded whole.
    await db
      .knex('account_ledger_snapshots')
      .where({ stream_id: accountsStream(withLookup) })
      .update({ event_id: randomUUID() });
    read = { events: 0, bytes: 0 };
    const sessionId = randomUUID();
    const n = NIGHTS[6]!;
    await syncInstanceAccounts({
      store: lookingUp(),
      adapter: adapterOf(n),
      dbType: 'mysql',
      instanceId: withLookup,
      sessionId,
      ctx,
      snapshots: ledgerSnapshots(db.knex, logger),
    });
    await night(without, n, sessionId, false);
    expect(read.events).toBe(2 * nights.length);
    expect(await appended(withLookup)).toEqual(await appended(without));
  });

  it('a snapshot that cannot be written is logged and the sync still succeeds', async () => {
    const instanceId = randomUUID();
    const failing = { ...ledgerSnapshots(db.knex, logger), save: () => Promise.reject(new Error('db away')) };
    for (const n of NIGHTS.slice(0, 2)) {
      const result = await syncInstanceAccounts({
        store: counted(),
        adapter: adapterOf(n),
        dbType: 'mysql',
        instanceId,
        sessionId: randomUUID(),
        ctx,
        snapshots: failing,
      });
      expect(result.itemsSynced).toBe(3);
    }
  });
});
