// What an aggregation run answers and refuses: an explicit period that has not begun or ends before the
// first collected stat is refused before any session exists; a run that computed nothing says so.
// The stats are written straight into the stats tables: they are the aggregation's input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../adapters/eventStore/postgresEventStore.js';
import { validatingEventStore } from '../adapters/eventStore/validatingEventStore.js';
import { createEventRegistry } from '../domain/eventTypes.js';
import { createLogger } from '../logger.js';
import { instancesProjection } from '../projections/instances/projection.js';
import { ProjectionRunner } from '../projections/runner.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/testDatabase.js';
import { describeOutcome, makeAggregate, type AggregateCommand } from './aggregate.js';
import { makeRegisterInstance } from './instances.js';
import { loadSession } from './sync/sessionExecutor.js';

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

describe('with stats collected from 2026-11-16', () => {
  const ids: Record<'p' | 'q' | 'r', string> = { p: '', q: '', r: '' };
  beforeAll(async () => {
    for (const name of ['p', 'q', 'r'] as const) {
      const registered = await makeRegisterInstance({ knex: db.knex, store: store() })(
        {
          name,
          dbType: 'mysql',
          host: 'h',
          port: 1,
          databaseName: null,
          credentialId: null,
          description: '',
        },
        ctx,
      );
      ids[name] = registered.id;
    }
    await new ProjectionRunner({
      projection: instancesProjection,
      store: raw,
      knex: db.knex,
      logger,
    }).catchUp();
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
