// The rebuild's first pass (rebuildPass.ts) over a mixed log: each projection is fed exactly its events in
// log order, in applies of up to a batch of its own events (not one apply per read batch), and a slow
// projection does not hold back the others. That the rows equal the live runners' is
// rebuildAll.int.test.ts.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PostgresEventStore } from '../adapters/eventStore/postgresEventStore.js';
import { decodeKnown } from '../adapters/eventStore/validatingEventStore.js';
import { START, type RecordedEvent } from '../domain/events/envelope.js';
import { createEventRegistry } from '../domain/eventTypes.js';
import { createLogger } from '../logger.js';
import { writeSmallMixedLog } from '../../test/support/logWriter.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/testDatabase.js';
import { allProjections } from './index.js';
import { handles, type Projection } from './projection.js';
import { rebuildProjections, type RebuildAllOptions } from './rebuild.js';

const logger = createLogger({ level: 'silent' });
const decode = decodeKnown(createEventRegistry());
let db: TestDatabase;
let store: PostgresEventStore;
let log: RecordedEvent[];

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore(db.pool);
  const written = await writeSmallMixedLog(db.knex);
  // Readers see the log once no older transaction of the cluster is open (other test files hold some).
  await vi.waitFor(
    async () => {
      log = await store.readAll({ fromPosition: START, maxCount: 100_000 });
      if (log.length < written) throw new Error('the log is not visible yet');
    },
    { timeout: 10_000, interval: 50 },
  );
});
afterAll(async () => {
  await store.close();
  await db.drop();
});

/** The projections, each recording the events of each of its applies. */
const recording = (wrap?: (p: Projection, applies: RecordedEvent[][]) => Promise<void>) => {
  const applies = new Map<string, RecordedEvent[][]>();
  const projections = allProjections.map((p): Projection => {
    const mine: RecordedEvent[][] = [];
    applies.set(p.name, mine);
    return {
      ...p,
      apply: async (ctx, events) => {
        mine.push([...events]);
        await wrap?.(p, mine);
        await p.apply(ctx, events);
      },
    };
  });
  return { projections, applies };
};

type PassOptions = Pick<RebuildAllOptions, 'batchSize' | 'maxHoldBatches' | 'lookahead'>;
const rebuild = (projections: readonly Projection[], options: PassOptions) =>
  rebuildProjections({ projections, store, knex: db.knex, logger, decode, ...options });

describe('the first pass of a rebuild', () => {
  it('feeds each projection its events once, in log order, a batch of its own events per apply', async () => {
    const { projections, applies } = recording();
    const batchSize = 20;
    await rebuild(projections, { batchSize, maxHoldBatches: 1000 });
    for (const p of allProjections) {
      const expected = log.filter((e) => handles(p, e.type)).map((e) => e.position);
      const got = applies.get(p.name)!;
      expect(
        got.flat().map((e) => e.position),
        p.name,
      ).toEqual(expected);
      expect(got.length, p.name).toBe(Math.ceil(expected.length / batchSize));
    }
    // The accounts' 60 events of the 483: 3 applies, where one per read batch holding some was 20.
    expect(applies.get('accounts')!.flat()).toHaveLength(60);
    expect(applies.get('accounts')!.length).toBe(3);
  });

  it("holds a projection's events at most maxHoldBatches read batches", async () => {
    const { projections, applies } = recording();
    const [batchSize, maxHoldBatches] = [20, 2];
    await rebuild(projections, { batchSize, maxHoldBatches });
    const index = new Map(log.map((e, i) => [e.eventId, i]));
    const accounts = applies.get('accounts')!;
    expect(accounts.flat()).toHaveLength(60);
    expect(accounts.length).toBeGreaterThan(3);
    for (const events of accounts) {
      const span = index.get(events.at(-1)!.eventId)! - index.get(events[0]!.eventId)!;
      expect(span).toBeLessThan((maxHoldBatches + 1) * batchSize);
    }
  });

  it('a slow projection does not hold back the others', async () => {
    let othersWent = false;
    let wentWhileItWaited = false;
    const { projections } = recording(async (p, mine) => {
      if (p.name !== 'stream_catalog' || mine.length > 1) return;
      // The first apply of stream_catalog waits until sync_sessions has applied twice (or 5 s).
      const until = Date.now() + 5000;
      while (Date.now() < until && !othersWent) await new Promise((r) => setTimeout(r, 20));
      wentWhileItWaited = othersWent;
    });
    const sessions = projections.find((p) => p.name === 'sync_sessions')!;
    const inner = sessions.apply;
    let sessionApplies = 0;
    const watched = projections.map((p) =>
      p !== sessions
        ? p
        : {
            ...p,
            apply: async (ctx: Parameters<Projection['apply']>[0], events: readonly RecordedEvent[]) => {
              await inner(ctx, events);
              if (++sessionApplies >= 2) othersWent = true;
            },
          },
    );
    await rebuild(watched, { batchSize: 50, lookahead: 8 });
    expect(wentWhileItWaited).toBe(true);
  });
});
