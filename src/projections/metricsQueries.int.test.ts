// The scrape-time reads of GET /metrics over rows written straight into the read tables: records per
// category and status, instances up (deleted, inactive and never-checked ones left out), completed
// collection durations counted into cumulative buckets (a duration equal to a bound is in it, as `le`
// says), and each job's newest run per outcome.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/testDatabase.js';
import { collectionDurations, instancesUp, jobLastRuns, recordCounts } from './metricsQueries.js';

let db: TestDatabase;
const t0 = new Date('2026-12-02T10:00:00.000Z');
const plus = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const ids = { m: randomUUID(), p: randomUUID(), gone: randomUUID(), off: randomUUID(), fresh: randomUUID() };

const instance = (id: string, name: string, dbType: string, extra: Record<string, unknown> = {}) => ({
  id,
  name,
  db_type: dbType,
  host: 'h',
  port: 1,
  created_at: t0,
  updated_at: t0,
  ...extra,
});

const record = (
  instanceId: string,
  category: string,
  status: string,
  seconds: number | null,
): Record<string, unknown> => ({
  session_id: randomUUID(),
  instance_id: instanceId,
  instance_name: 'x',
  sync_category: category,
  status,
  started_at: seconds === null ? null : t0,
  completed_at: seconds === null ? null : plus(seconds),
});

beforeAll(async () => {
  db = await createTestDatabase();
  await db
    .knex('instances')
    .insert([
      instance(ids.m, 'maria', 'mysql', { connection_status: 'connected' }),
      instance(ids.p, 'pg', 'postgresql', { connection_status: 'failed' }),
      instance(ids.gone, 'gone', 'mysql', { connection_status: 'connected', deleted_at: t0 }),
      instance(ids.off, 'off', 'mysql', { connection_status: 'failed', is_active: false }),
      instance(ids.fresh, 'fresh', 'mysql'),
    ]);
  await db
    .knex('sync_instance_records')
    .insert([
      record(ids.m, 'account', 'completed', 0.5),
      record(ids.m, 'account', 'completed', 1),
      record(ids.m, 'account', 'completed', 7),
      record(ids.m, 'account', 'failed', 2),
      record(ids.m, 'account', 'running', null),
      record(ids.p, 'capacity', 'completed', 30),
      record(randomUUID(), 'capacity', 'completed', 0.1),
      record(ids.m, 'classification', 'completed', 0.2),
    ]);
  const run = (jobId: string, kind: string, outcome: string | null, at: number, ended: number | null) => ({
    id: randomUUID(),
    job_id: jobId,
    kind,
    outcome,
    at: plus(at),
    started_at: kind === 'run' ? plus(at) : null,
    ended_at: ended === null ? null : plus(ended),
  });
  await db
    .knex('scheduler_job_runs')
    .insert([
      run('sync_accounts', 'run', 'completed', 0, 10),
      run('sync_accounts', 'run', 'completed', 100, 120),
      run('sync_accounts', 'run', 'failed', 50, 55),
      run('sync_accounts', 'skipped', null, 60, null),
      run('cleanup', 'run', 'running', 200, null),
    ]);
});
afterAll(async () => db?.drop());

describe('metrics queries', () => {
  it('counts records by category and status', async () => {
    expect(await recordCounts(db.knex, 1000)).toEqual([
      { category: 'account', status: 'completed', count: 3 },
      { category: 'account', status: 'failed', count: 1 },
      { category: 'account', status: 'running', count: 1 },
      { category: 'capacity', status: 'completed', count: 2 },
      { category: 'classification', status: 'completed', count: 1 },
    ]);
  });

  it('lists active instances with a known connection', async () => {
    expect(await instancesUp(db.knex, 1000)).toEqual([
      { id: ids.m, name: 'maria', up: true },
      { id: ids.p, name: 'pg', up: false },
    ]);
  });

  it('counts completed collection durations into cumulative buckets, by category and engine', async () => {
    expect(await collectionDurations(db.knex, [0.5, 1, 10], 1000)).toEqual([
      { category: 'account', engine: 'mysql', buckets: [1, 2, 3], count: 3, sumSeconds: 8.5 },
      { category: 'capacity', engine: 'postgresql', buckets: [0, 0, 0], count: 1, sumSeconds: 30 },
      { category: 'capacity', engine: 'unknown', buckets: [1, 1, 1], count: 1, sumSeconds: 0.1 },
    ]);
  });

  it("gives each job's newest entry per outcome: its end, or its start while it runs", async () => {
    expect(await jobLastRuns(db.knex, 1000)).toEqual([
      { job: 'cleanup', outcome: 'running', at: plus(200) },
      { job: 'sync_accounts', outcome: 'completed', at: plus(120) },
      { job: 'sync_accounts', outcome: 'failed', at: plus(55) },
      { job: 'sync_accounts', outcome: 'skipped', at: plus(60) },
    ]);
  });

  it('is cancelled when the database takes longer than its timeout', async () => {
    const lock = await db.knex.transaction();
    try {
      await lock.raw('LOCK TABLE sync_instance_records IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      await expect(recordCounts(db.knex, 300)).rejects.toThrow(/timeout/i);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await lock.rollback();
    }
  });
});
