// Aggregation over collected stats: defects 6 (default = last completed period), 7 (the current period only
// on request, marked partial) and 8 (instances without stats make the coverage incomplete, never silent);
// a re-run replaces its figures; live tables equal a rebuild. Defects: docs/defects.md.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { validatingEventStore } from '../../src/adapters/eventStore/validatingEventStore.js';
import { capacityStream } from '../../src/domain/capacity/events.js';
import { aggregationStream } from '../../src/domain/aggregation/events.js';
import { sessionStream } from '../../src/domain/sessions/events.js';
import { createEventRegistry } from '../../src/domain/eventTypes.js';
import { createLogger } from '../../src/logger.js';
import { aggregationsProjection } from '../../src/projections/aggregations/projection.js';
import { capacityProjection } from '../../src/projections/capacity/projection.js';
import { instancesProjection } from '../../src/projections/instances/projection.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { catchUpToCommitted } from '../support/catchUp.js';
import { expectRebuildMatchesLive } from '../support/readTables.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';
import { makeAggregate } from '../../src/commands/aggregate.js';
import { loadSession } from '../../src/commands/sync/sessionWriter.js';
import { makeUpdateInstance } from '../../src/commands/instances.js';
import { appendStats, registerStatsOnlyInstance } from '../support/aggregationFixture.js';

const logger = createLogger({ level: 'silent' });
const tz = 'Asia/Shanghai';
// 00:30 on 2026-11-23 in Shanghai: UTC is still 2026-11-22. "Today" there is the 23rd.
const now = new Date('2026-11-23T00:30:00+08:00');
const ctx = { actor: { kind: 'scheduler' as const, id: 'test' }, correlationId: 'c', now };

describe('aggregation', () => {
  let db: TestDatabase;
  let raw: PostgresEventStore;
  const ids: string[] = [];
  const catchUp = async (...projections: (typeof aggregationsProjection)[]) => {
    for (const projection of projections)
      await catchUpToCommitted(
        new ProjectionRunner({ projection, store: raw, knex: db.knex, logger }),
        db.knex,
      );
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    raw = new PostgresEventStore(db.pool);
    const store = validatingEventStore(raw, createEventRegistry());
    for (const name of ['a', 'b', 'c-no-stats'])
      ids.push((await registerStatsOnlyInstance({ knex: db.knex, store }, name, ctx)).id);
    // Stats for a and b on the 16th..23rd (the 23rd is today: half a day); none for c.
    for (const [i, instanceId] of ids.slice(0, 2).entries())
      for (let day = 16; day <= 23; day++)
        await appendStats(store, {
          instanceId,
          day: `2026-11-${day}`,
          sizeMb: 100 * (i + 1) + day,
          actor: ctx.actor,
        });
    await catchUp(instancesProjection, capacityProjection);
  });
  afterAll(async () => {
    await raw.close();
    await db.drop();
  });

  const aggregate = (cmd: Parameters<ReturnType<typeof makeAggregate>>[0], c: typeof ctx) =>
    makeAggregate({ knex: db.knex, store: validatingEventStore(raw, createEventRegistry()) })(cmd, c);

  it('defect 6: the default daily run takes yesterday in the configured zone, not today', async () => {
    const out = await aggregate({ periodType: 'daily', timeZone: tz }, ctx);
    expect(out.period).toMatchObject({ type: 'daily', start: '2026-11-22', end: '2026-11-22' });
    // The default weekly run takes the last completed Monday..Sunday.
    expect((await aggregate({ periodType: 'weekly', timeZone: tz }, ctx)).period).toMatchObject({
      start: '2026-11-16',
      end: '2026-11-22',
    });
  });

  it('defect 7: the current period only on request, and marked partial', async () => {
    const out = await aggregate({ periodType: 'daily', timeZone: tz, current: true }, ctx);
    expect(out.period.start).toBe('2026-11-23');
    expect(out.partial).toBe(true);
    await catchUp(aggregationsProjection);
    const row = await db
      .knex('instance_size_aggregations')
      .where({ period_type: 'daily', period_start: '2026-11-23', instance_id: ids[0] })
      .first();
    expect(row.is_partial).toBe(true);
  });

  it('defect 8: an instance without stats is listed as missing and the aggregation is partial, not silently complete', async () => {
    const out = await aggregate({ periodType: 'weekly', timeZone: tz }, ctx);
    expect(out.included.sort()).toEqual(ids.slice(0, 2).sort());
    expect(out.missing).toEqual([ids[2]]);
    expect(out.partial).toBe(true);
    const completed = (await raw.readStream(aggregationStream('weekly', '2026-11-16')))
      .filter((e) => e.type === 'AggregationCompleted')
      .at(-1);
    expect(completed?.data).toMatchObject({
      coverageComplete: false,
      missing: [{ instanceId: ids[2], reason: 'no size stats in the period' }],
    });
    // The run is a session of category aggregation: the instance without stats is a failed record, so
    // the session ends partial, not completed.
    const session = await loadSession(raw, out.sessionId);
    expect(session.state).toMatchObject({ status: 'partial' });
    const record = (id: string | undefined) =>
      session.state.status === 'none' ? undefined : session.state.records.get(id ?? '');
    expect(record(ids[0])).toMatchObject({ status: 'completed' });
    expect(record(ids[2])).toMatchObject({ status: 'failed', phase: 'aggregate' });
    const failed = (await raw.readStream(sessionStream(out.sessionId))).find(
      (e) => e.type === 'InstanceSyncFailed',
    );
    expect(failed?.data).toMatchObject({ instanceId: ids[2], messageCode: 'SYNC_DATA_ERROR' });
    const started = (await raw.readStream(sessionStream(out.sessionId)))[0];
    expect(started?.data).toMatchObject({ category: 'aggregation', syncType: 'manual_batch' });
  });

  it('a re-run replaces the figures of the period instead of duplicating them; live tables equal a rebuild', async () => {
    await aggregate({ periodType: 'weekly', timeZone: tz }, ctx);
    await catchUp(aggregationsProjection);
    const rows = await db
      .knex('instance_size_aggregations')
      .where({ period_type: 'weekly', period_start: '2026-11-16' });
    expect(rows).toHaveLength(2);
    const a = rows.find((r: { instance_id: string }) => r.instance_id === ids[0]);
    // a: 100 + day on the 16th..22nd: the average is 119, min 116, max 122, seven days of data.
    expect([
      Number(a.avg_total_size_mb),
      Number(a.min_total_size_mb),
      Number(a.max_total_size_mb),
      Number(a.data_count),
    ]).toEqual([119, 116, 122, 7]);
    // The week before has no stats: no change figures, and no trend rather than a made-up `stable`.
    expect([a.total_size_change_percent, a.trend_direction]).toEqual([null, null]);
    expect(
      await db
        .knex('database_size_aggregations')
        .where({ period_type: 'weekly', period_start: '2026-11-16' })
        .count({ n: '*' }),
    ).toEqual([{ n: '2' }]);
    await expectRebuildMatchesLive({ knex: db.knex, store: raw, projections: [aggregationsProjection] });
  });

  it('a re-run drops the rows of a database and of an instance the period no longer has', async () => {
    const store = validatingEventStore(raw, createEventRegistry());
    const statsOfA = (databases: string[]) =>
      store.append(
        capacityStream(ids[0]!),
        [
          {
            eventId: randomUUID(),
            type: 'StatsSaved',
            schemaVersion: 1,
            data: {
              instanceId: ids[0],
              sessionId: randomUUID(),
              collectedDate: '2026-11-20',
              collectedAt: '2026-11-20T13:00:00Z',
              databases: databases.map((databaseName) => ({
                databaseName,
                sizeMb: 120,
                dataSizeMb: 120,
                logSizeMb: null,
              })),
              totalSizeMb: 120 * databases.length,
              databaseCount: databases.length,
            },
            metadata: {
              correlationId: 'c',
              causationId: null,
              actor: ctx.actor,
              occurredAt: '2026-11-20T13:00:00Z',
            },
          },
        ],
        { expectedRevision: 'any' },
      );
    const weekRows = async (t: string) =>
      (
        await db
          .knex(t)
          .where({ period_type: 'weekly', period_start: '2026-11-16' })
          .orderBy(['instance_id', ...(t.startsWith('database') ? ['database_name'] : [])])
          .select('instance_id', ...(t.startsWith('database') ? ['database_name'] : []))
      ).map((r: Record<string, string>) => Object.values(r).join('/'));

    await statsOfA(['app', 'tmp']);
    await catchUp(capacityProjection);
    await aggregate({ periodType: 'weekly', timeZone: tz }, ctx);
    await catchUp(aggregationsProjection);
    expect(await weekRows('database_size_aggregations')).toContain(`${ids[0]}/tmp`);

    // The same day collected again without tmp; b deactivated: the re-run's figures are the period's.
    await statsOfA(['app']);
    await makeUpdateInstance({ knex: db.knex, store })(ids[1]!, { isActive: false }, ctx);
    await catchUp(instancesProjection, capacityProjection);
    await aggregate({ periodType: 'weekly', timeZone: tz }, ctx);
    await catchUp(aggregationsProjection);
    expect(await weekRows('database_size_aggregations')).toEqual([`${ids[0]}/app`]);
    expect(await weekRows('instance_size_aggregations')).toEqual([ids[0]]);
    await expectRebuildMatchesLive({ knex: db.knex, store: raw, projections: [aggregationsProjection] });
  });
});
