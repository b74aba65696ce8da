// Issue 10 B13: an aggregation session's records have the lease of the configured deadline; an aggregation
// killed after its figures were appended is ended `completed` by recovery (it reads the period's stream),
// not abandoned; and an aggregation record can be retried: the session's period is aggregated again for
// that instance, and the other instances' figures stay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/adapters/eventStore/port.js';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { validatingEventStore } from '../../src/adapters/eventStore/validatingEventStore.js';
import { generateKey } from '../../src/adapters/keyring/keyring.js';
import { aggregationStream } from '../../src/domain/aggregation/events.js';
import { createEventRegistry } from '../../src/domain/eventTypes.js';
import { createLogger } from '../../src/logger.js';
import { aggregationsProjection } from '../../src/projections/aggregations/projection.js';
import { capacityProjection } from '../../src/projections/capacity/projection.js';
import { instancesProjection } from '../../src/projections/instances/projection.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';
import { makeAggregate } from '../../src/commands/aggregate.js';
import { makeRetryRecord } from '../../src/commands/sync/compensations.js';
import { ProcessSessions } from '../../src/commands/sync/processSessions.js';
import { leaseFor } from '../../src/commands/sync/recordRunner.js';
import { abandonExpiredRecords } from '../../src/commands/sync/recovery.js';
import { loadSession } from '../../src/commands/sync/sessionWriter.js';
import { appendStats, registerStatsOnlyInstance } from '../support/aggregationFixture.js';

const logger = createLogger({ level: 'silent' });
const tz = 'UTC';
const now = new Date('2026-12-01T08:00:00Z');
const ctx = { actor: { kind: 'scheduler' as const, id: 'test' }, correlationId: 'c', now };
const deadlineMs = 2000;

describe('aggregation records: lease, recovery from the stream, retry', () => {
  let db: TestDatabase;
  let raw: PostgresEventStore;
  let store: EventStore;
  let sessions: ProcessSessions;
  let a: string;
  let b: string;
  const catchUp = async (...projections: (typeof aggregationsProjection)[]) => {
    for (const projection of projections)
      await new ProjectionRunner({ projection, store: raw, knex: db.knex, logger }).catchUp();
  };
  /** A reader sees an event once every older transaction of the cluster ended: catch up until it shows. */
  const catchUpUntil = async (
    done: () => Promise<boolean>,
    ...projections: (typeof aggregationsProjection)[]
  ) => {
    for (let tries = 0; !(await done()); tries++) {
      if (tries > 200) throw new Error('the projections did not catch up');
      await catchUp(...projections);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const statsRows = async () => Number((await db.knex('instance_size_stats').count({ n: '*' }))[0]!.n);
  const stats = (instanceId: string, day: string, sizeMb: number) =>
    appendStats(store, { instanceId, day, sizeMb, actor: ctx.actor });

  beforeAll(async () => {
    db = await createTestDatabase();
    raw = new PostgresEventStore(db.pool);
    store = validatingEventStore(raw, createEventRegistry());
    sessions = new ProcessSessions({ knex: db.knex, logger, heartbeatMs: 500 });
    const instance = (name: string) => registerStatsOnlyInstance({ knex: db.knex, store }, name, ctx);
    a = (await instance('a')).id;
    b = (await instance('b')).id;
    // a: every day of the weeks of the 16th and the 23rd; b: only in the week of the 23rd.
    for (let day = 16; day <= 29; day++) await stats(a, `2026-11-${day}`, 100 + day);
    await stats(b, '2026-11-25', 50);
    const instances = async () => Number((await db.knex('instances').count({ n: '*' }))[0]!.n);
    await catchUpUntil(
      async () => (await instances()) === 2 && (await statsRows()) === 15,
      instancesProjection,
      capacityProjection,
    );
  });
  afterAll(async () => {
    await sessions?.stop();
    await raw?.close();
    await db?.drop();
  });

  it('the lease follows the deadline; a record without stats is retried once they exist: that period, that instance', async () => {
    const aggregate = makeAggregate({ knex: db.knex, store, sessions, deadlineMs });
    const out = await aggregate({ periodType: 'weekly', periodStart: '2026-11-16', timeZone: tz }, ctx);
    expect(out.missing).toEqual([b]);
    const { history } = await loadSession(raw, out.sessionId);
    expect(history[0]?.data).toMatchObject({
      owner: sessions.id,
      period: { periodType: 'weekly', periodStart: '2026-11-16', periodEnd: '2026-11-22', partial: false },
    });
    const started = history.find((e) => e.type === 'InstanceSyncStarted')!.data as { leaseExpiresAt: string };
    expect(Date.parse(started.leaseExpiresAt) - now.getTime()).toBe(leaseFor(deadlineMs));

    await stats(b, '2026-11-18', 40);
    await catchUpUntil(async () => (await statsRows()) === 16, capacityProjection);
    const retry = makeRetryRecord({
      knex: db.knex,
      pool: db.pool,
      store,
      keyring: () => ({ current: generateKey(), previous: [] }),
      logger,
      sessions,
      timeZone: tz,
      deadlineMs,
    });
    const retried = await retry(out.sessionId, b, ctx);
    expect(await retried.done).toMatchObject({ status: 'completed' });

    const after = await loadSession(raw, out.sessionId);
    expect(after.state.status).toBe('completed');
    expect(
      after.history
        .filter((e) => e.type === 'CompensationApplied')
        .map((e) => (e.data as { action: string }).action),
    ).toEqual(['retry_aggregation']);
    const last = (await raw.readStream(aggregationStream('weekly', '2026-11-16'))).at(-1)!;
    expect(last.type).toBe('InstanceAggregated');
    expect(last.data).toMatchObject({ sessionId: out.sessionId, instanceId: b });
    await catchUp(aggregationsProjection);
    const rows = await db
      .knex('instance_size_aggregations')
      .where({ period_type: 'weekly', period_start: '2026-11-16' })
      .pluck('instance_id');
    expect(rows.sort()).toEqual([a, b].sort());
  });

  it('an aggregation killed after its figures were appended ends completed, not abandoned', async () => {
    // The process dies right after the period's events: none of the records' ends is appended.
    let figuresAppended = false;
    const dying: EventStore = {
      ...store,
      append: async (stream, events, options) => {
        if (figuresAppended && stream.startsWith('session-')) throw new Error('killed');
        const result = await store.append(stream, events, options);
        if (stream.startsWith('aggregation-')) figuresAppended = true;
        return result;
      },
    };
    const victim = new ProcessSessions({ knex: db.knex, logger, heartbeatMs: 500 });
    const aggregate = makeAggregate({ knex: db.knex, store: dying, sessions: victim, deadlineMs: 60_000 });
    await expect(
      aggregate({ periodType: 'weekly', periodStart: '2026-11-23', timeZone: tz }, ctx),
    ).rejects.toThrow('killed');
    const sessionId = (await db.knex('open_sessions').orderBy('opened_at', 'desc').first())
      .session_id as string;
    const running = await loadSession(raw, sessionId);
    expect([...running.state.records.values()].map((r) => r.status)).toEqual(['running', 'running']);
    await victim.stop(); // its heartbeat row goes: the process is gone

    await sessions.start();
    const ended = await abandonExpiredRecords({ knex: db.knex, store, logger, sessions }, new Date(), 60_000);
    expect(ended).toBe(2);
    const { state, history } = await loadSession(raw, sessionId);
    expect(state.status).toBe('completed');
    expect([...state.records.values()].map((r) => r.status)).toEqual(['completed', 'completed']);
    expect(history.map((e) => e.type)).not.toContain('InstanceSyncAbandoned');
    expect(history.find((e) => e.type === 'InstanceSyncCompleted')?.metadata.actor).toEqual({
      kind: 'system',
      id: 'recovery',
    });
  });
});
