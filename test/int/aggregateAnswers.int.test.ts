// What an aggregation run answers and refuses: an explicit period that has not begun or ends before the
// first collected stat is refused before any session exists; a run that computed nothing says so.
// The stats are written straight into the stats tables: they are the aggregation's input.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { validatingEventStore } from '../../src/adapters/eventStore/validatingEventStore.js';
import { aggregationStream } from '../../src/domain/aggregation/events.js';
import { comparePositions, type Position } from '../../src/domain/events/envelope.js';
import { createEventRegistry } from '../../src/domain/eventTypes.js';
import { createLogger } from '../../src/logger.js';
import { aggregationsProjection } from '../../src/projections/aggregations/projection.js';
import { instancesProjection } from '../../src/projections/instances/projection.js';
import type { Projection } from '../../src/projections/projection.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { expectRebuildMatchesLive } from '../support/readTables.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';
import {
  describeOutcome,
  makeAggregate,
  type AggregateCommand,
  type AggregationOutcome,
} from '../../src/commands/aggregate.js';
import { loadSession } from '../../src/commands/sync/sessionWriter.js';
import { registerStatsOnlyInstance } from '../support/aggregationFixture.js';

const logger = createLogger({ level: 'silent' });
const timeZone = 'Asia/Shanghai';
// 00:30 on Monday 2026-11-23 in Shanghai; UTC is still Sunday the 22nd.
const ctx = {
  actor: { kind: 'scheduler' as const, id: 'test' },
  correlationId: 'c',
  now: new Date('2026-11-23T00:30:00+08:00'),
};

let db: TestDatabase;
let raw: PostgresEventStore;
const store = () => validatingEventStore(raw, createEventRegistry());
const aggregate = (cmd: Omit<AggregateCommand, 'timeZone'>) =>
  makeAggregate({ knex: db.knex, store: store() })({ ...cmd, timeZone }, ctx);
/** Runs `cmd`, expecting a VALIDATION_ERROR on period_start and not one event appended. */
const refused = async (cmd: Omit<AggregateCommand, 'timeZone'>) => {
  const before = await raw.headPosition();
  const err = await aggregate(cmd).then(
    () => expect.unreachable(`${JSON.stringify(cmd)} ran`),
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ code: 'VALIDATION_ERROR', context: { field: 'period_start' } });
  expect(await raw.headPosition()).toEqual(before);
  return err as Error & { context: Record<string, unknown> };
};

beforeAll(async () => {
  db = await createTestDatabase();
  raw = new PostgresEventStore(db.pool);
});
afterAll(async () => {
  await raw?.close();
  await db?.drop();
});

/**
 * Runs `projection` up to `position`. Readers see an event once no older transaction of the cluster is
 * still open (docs/architecture.md), and other test files run theirs meanwhile: one catchUp may stop short.
 */
const project = async (projection: Projection, position: Position) => {
  const runner = new ProjectionRunner({ projection, store: raw, knex: db.knex, logger });
  await vi.waitFor(async () => {
    await runner.catchUp();
    expect(comparePositions(runner.status().checkpoint, position)).toBeGreaterThanOrEqual(0);
  }, 10_000);
};

/** The session's end state and its records' outcomes, from its stream. */
const sessionOf = async (sessionId: string) => {
  const { state } = await loadSession(raw, sessionId);
  if (state.status === 'none') throw new Error(`no session ${sessionId}`);
  return {
    status: state.status,
    records: [...state.records.values()].map((r) => ({ status: r.status, phase: r.phase })),
  };
};

describe('before any instance or stat', () => {
  it('an explicit period is refused: there is nothing it could aggregate', async () => {
    const err = await refused({ periodType: 'daily', periodStart: '2026-11-22' });
    expect(err.message).toMatch(/no size stats have been collected yet/);
  });

  it('a run with no active instance answers that nothing was computed; its session has no record', async () => {
    const out = await aggregate({ periodType: 'weekly' });
    expect(out).toMatchObject({ computed: false, partial: false, included: [], missing: [] });
    expect(describeOutcome(out)).toBe('weekly 2026-11-16..2026-11-22: nothing computed: no active instance');
    expect(await sessionOf(out.sessionId)).toEqual({ status: 'completed', records: [] });
  });
});

const ids: Record<'p' | 'q' | 'r', string> = { p: '', q: '', r: '' };

describe('with stats collected from 2026-11-16', () => {
  beforeAll(async () => {
    for (const name of ['p', 'q', 'r'] as const) {
      const registered = await registerStatsOnlyInstance({ knex: db.knex, store: store() }, name, ctx);
      ids[name] = registered.id;
      await project(instancesProjection, registered.position);
    }
    // p: 16th..19th and 22nd; q: 16th..19th; r: none. Nobody on the 20th and 21st.
    const days = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    const rows = [
      ...[...days(16, 19), 22].map((d) => ({ id: ids.p, d, total: 100 + d })),
      ...days(16, 19).map((d) => ({ id: ids.q, d, total: 200 + d })),
    ].map(({ id, d, total }) => ({
      instance_id: id,
      collected_date: `2026-11-${d}`,
      collected_at: `2026-11-${d}T03:00:00Z`,
      total,
    }));
    await db
      .knex('instance_size_stats')
      .insert(rows.map(({ total, ...r }) => ({ ...r, total_size_mb: total, database_count: 1 })));
    await db
      .knex('database_size_stats')
      .insert(rows.map(({ total, ...r }) => ({ ...r, database_name: 'app', size_mb: total })));
  });

  it('a period_start in the future is refused before a session starts', async () => {
    // The case of the issue: a day of the year 9999 (its week would end in 10000: refused as out of range).
    const err = await refused({ periodType: 'daily', periodStart: '9999-12-27' });
    expect(err.message).toMatch(/9999-12-27 is in the future.*today is 2026-11-23 in Asia\/Shanghai/);
    await refused({ periodType: 'weekly', periodStart: '9999-12-27' });
    // Not the start of a period: refused as before, and now naming the field too.
    expect((await refused({ periodType: 'weekly', periodStart: '2026-11-17' })).context).toMatchObject({
      expectedStart: '2026-11-16',
    });
    // Tomorrow in Shanghai (in UTC it is the day after tomorrow: the zone decides, not the host).
    expect((await refused({ periodType: 'daily', periodStart: '2026-11-24' })).context).toMatchObject({
      periodStart: '2026-11-24',
      today: '2026-11-23',
    });
    // Today has begun: it runs, marked partial.
    expect(await aggregate({ periodType: 'daily', periodStart: '2026-11-23' })).toMatchObject({
      partial: true,
    });
  });

  it('a period that ends before the earliest collected stat is refused; one holding it runs', async () => {
    const err = await refused({ periodType: 'weekly', periodStart: '2026-11-09' });
    expect(err.context).toMatchObject({ periodStart: '2026-11-09', earliestStat: '2026-11-16' });
    expect(err.message).toMatch(/2026-11-09\.\.2026-11-15 ends before the earliest collected size stat/);
    await refused({ periodType: 'daily', periodStart: '2026-11-15' });
    // November starts before the first stat but holds it.
    const november = await aggregate({ periodType: 'monthly', periodStart: '2026-11-01' });
    expect(november.included.sort()).toEqual([ids.p, ids.q].sort());
    expect(november).toMatchObject({ computed: true, partial: true, missing: [ids.r] });
    expect(describeOutcome(november)).toBe(
      'monthly 2026-11-01..2026-11-30: 2 instance(s) aggregated (partial)',
    );
  });

  it('a run where no instance had stats answers that nothing was computed, as its failed session says', async () => {
    // The 20th lies after the first stat (not refused), but nobody was collected that day.
    const out = await aggregate({ periodType: 'daily', periodStart: '2026-11-20' });
    expect(out).toMatchObject({ computed: false, partial: true, included: [] });
    expect(out.missing.sort()).toEqual(Object.values(ids).sort());
    expect(describeOutcome(out)).toBe(
      'daily 2026-11-20..2026-11-20: nothing computed: no instance had size stats in the period',
    );
    const failed = { status: 'failed', phase: 'aggregate' };
    expect(await sessionOf(out.sessionId)).toEqual({ status: 'failed', records: [failed, failed, failed] });
  });
});

describe('scope: one level, the same coverage', () => {
  const week = { periodType: 'weekly', periodStart: '2026-11-16' } as const;
  const catchUp = (out: AggregationOutcome) => project(aggregationsProjection, out.position);
  /** The week's rows: instance averages by instance name, database averages by instance name. */
  const weekRows = async () => {
    const names = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name]));
    const rows = async (t: string, column: string) =>
      Object.fromEntries(
        (await db.knex(t).where({ period_type: 'weekly', period_start: '2026-11-16' })).map(
          (r: Record<string, string>) => [names[r.instance_id!], Number(r[column])],
        ),
      );
    return {
      instance: await rows('instance_size_aggregations', 'avg_total_size_mb'),
      database: await rows('database_size_aggregations', 'avg_size_mb'),
    };
  };
  const weekEvents = async (sessionId: string) =>
    (await raw.readStream(aggregationStream('weekly', '2026-11-16'))).filter(
      (e) => (e.data as { sessionId: string }).sessionId === sessionId,
    );
  /** p's stats of the 16th grow by 40 MB on both levels, so a run shows which level it recomputed. */
  const growP = async () => {
    const where = { instance_id: ids.p, collected_date: '2026-11-16' };
    await db.knex('instance_size_stats').where(where).increment('total_size_mb', 40);
    await db.knex('database_size_stats').where(where).increment('size_mb', 40);
  };

  it('all (the default) computes both levels', async () => {
    const out = await aggregate(week);
    expect(out).toMatchObject({ scope: 'all', computed: true, missing: [ids.r] });
    await catchUp(out);
    // p: 116..119 and 122 avg 118.4; q: 216..219 avg 217.5. 40 MB more on one of p's days: 126.4.
    expect(await weekRows()).toEqual({
      instance: { p: 118.4, q: 217.5 },
      database: { p: 118.4, q: 217.5 },
    });
  });

  it('database: only database rows change; the instance without stats is still missing and fails', async () => {
    await growP();
    const out = await aggregate({ ...week, scope: 'database' });
    expect(out).toMatchObject({ scope: 'database', computed: true, partial: true, missing: [ids.r] });
    expect(out.included.sort()).toEqual([ids.p, ids.q].sort());
    expect(describeOutcome(out)).toBe(
      'weekly 2026-11-16..2026-11-22: 2 instance(s) aggregated (database level) (partial)',
    );
    const session = await sessionOf(out.sessionId);
    expect(session.status).toBe('partial');
    expect(session.records.filter((r) => r.status === 'failed')).toEqual([
      { status: 'failed', phase: 'aggregate' },
    ]);
    // No instance totals are claimed: the events carry database rows only, the coverage as always.
    const events = await weekEvents(out.sessionId);
    const aggregated = events.filter((x) => x.type === 'InstanceAggregated');
    expect(aggregated).toHaveLength(2);
    for (const e of aggregated) {
      expect(e.data).toMatchObject({ scope: 'database', databases: [expect.anything()] });
      expect(e.data).not.toHaveProperty('instance');
    }
    expect(events.at(-1)).toMatchObject({
      type: 'AggregationCompleted',
      data: { scope: 'database', coverageComplete: false, missing: [{ instanceId: ids.r }] },
    });
    await catchUp(out);
    expect(await weekRows()).toEqual({
      instance: { p: 118.4, q: 217.5 },
      database: { p: 126.4, q: 217.5 },
    });
  });

  it('instance: only instance rows change, under the same coverage', async () => {
    const out = await aggregate({ ...week, scope: 'instance' });
    expect(out).toMatchObject({ scope: 'instance', partial: true, missing: [ids.r] });
    expect((await sessionOf(out.sessionId)).status).toBe('partial');
    const aggregated = (await weekEvents(out.sessionId)).filter((x) => x.type === 'InstanceAggregated');
    expect(aggregated).toHaveLength(2);
    for (const e of aggregated) expect(e.data).not.toHaveProperty('databases');
    await catchUp(out);
    expect(await weekRows()).toEqual({
      instance: { p: 126.4, q: 217.5 },
      database: { p: 126.4, q: 217.5 },
    });
    await expectRebuildMatchesLive({ knex: db.knex, store: raw, projections: [aggregationsProjection] });
  });

  it('an InstanceAggregated claiming a level its scope did not compute is refused', () => {
    const registry = createEventRegistry();
    const figures = { instance_id: ids.p, avg_total_size_mb: 1 };
    const encode = (data: Record<string, unknown>) =>
      registry.encode({
        eventId: randomUUID(),
        type: 'InstanceAggregated',
        schemaVersion: 1,
        data: {
          ...{ ...week, periodEnd: '2026-11-22', partial: false, sessionId: randomUUID(), instanceId: ids.p },
          ...data,
        },
        metadata: {
          correlationId: 'c',
          causationId: null,
          actor: ctx.actor,
          occurredAt: ctx.now.toISOString(),
        },
      });
    for (const data of [
      { scope: 'database', instance: figures, databases: [] },
      { scope: 'instance', databases: [] },
      { scope: 'all', instance: figures },
    ])
      expect(() => encode(data)).toThrow(/exactly the levels of its scope/);
    // Events recorded before runs had a scope carry both levels and no scope: still valid.
    expect(() => encode({ instance: figures, databases: [] })).not.toThrow();
    expect(() => encode({ scope: 'database', databases: [] })).not.toThrow();
  });
});
