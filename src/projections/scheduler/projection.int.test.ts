// The scheduler projection over two jobs' streams, applied one event per batch: sync_accounts registered,
// its schedule changed, a scheduled run (a tick skipped for overlap while it runs) ended partial, paused (a
// tick skipped as paused), resumed, a tick missed, then a manual run still going; cleanup's tick failed and
// ran again (attempt 2) to completion. The rows of scheduler_jobs and scheduler_job_runs, the history as the
// API reads it (newest first, filters, paging), and the live tables equal to a rebuild from events.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectionSpec } from '../../../test/support/projectionSpec.js';
import { jobStream } from '../../domain/scheduler/events.js';
import { schedulerProjection, tickRowId } from './projection.js';
import { listJobRuns, schedulerJobRow, schedulerJobRows } from './queries.js';

const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : d);
const at = (n: number) => `2026-12-02T10:${String(n).padStart(2, '0')}:00.123456Z`;
const tick = (hour: number) => `2026-12-01T0${hour}:00:00.000Z`;

describe('scheduler projection', () => {
  const spec = projectionSpec(schedulerProjection);
  const [scheduled, manual, failed, retried, running] = [
    randomUUID(),
    randomUUID(),
    randomUUID(),
    randomUUID(),
    randomUUID(),
  ];
  const [session, manualSession, owner] = [randomUUID(), randomUUID(), randomUUID()];
  let n = 0;
  const sync = (type: string, data: Record<string, unknown>) =>
    spec.append(
      jobStream('sync_accounts'),
      type,
      { jobId: 'sync_accounts', ...data },
      { occurredAt: at(n++) },
    );
  const cleanup = (type: string, data: Record<string, unknown>) =>
    spec.append(jobStream('cleanup'), type, { jobId: 'cleanup', ...data }, { occurredAt: at(n++) });

  beforeAll(async () => {
    await sync('JobRegistered', { cron: '0 1 * * *', timezone: 'UTC' }); // 0
    await sync('JobScheduleChanged', {
      cron: '15 23 * * *',
      timezone: 'Asia/Shanghai',
      previous: { cron: '0 1 * * *', timezone: 'UTC' },
    }); // 1
    await sync('JobRunStarted', {
      runId: scheduled,
      trigger: 'schedule',
      tickAt: tick(1),
      attempt: 1,
      sessionId: session,
      owner,
    }); // 2
    await sync('JobTickSkipped', { tickAt: tick(2), reason: 'overlap', runningRunId: scheduled }); // 3
    await sync('JobRunEnded', {
      runId: scheduled,
      outcome: 'partial',
      messageCode: null,
      message: null,
      summary: { sessionId: session, counts: { total: 2, completed: 1, failed: 1 } },
    }); // 4
    await sync('JobPaused', {}); // 5
    await sync('JobTickSkipped', { tickAt: tick(3), reason: 'paused', runningRunId: null }); // 6
    await sync('JobResumed', {}); // 7
    await sync('JobTickMissed', { tickAt: tick(4), reason: 'no scheduler ran it within 5 min' }); // 8
    await sync('JobTriggered', { runId: manual, sessionId: manualSession }); // 9
    await sync('JobRunStarted', {
      runId: manual,
      trigger: 'manual',
      tickAt: null,
      attempt: 1,
      sessionId: manualSession,
    }); // 10
    await cleanup('JobRegistered', { cron: '0 5 * * *', timezone: 'UTC' }); // 11
    await cleanup('JobRunStarted', {
      runId: failed,
      trigger: 'schedule',
      tickAt: tick(5),
      attempt: 1,
      sessionId: null,
    }); // 12
    await cleanup('JobRunEnded', {
      runId: failed,
      outcome: 'failed',
      messageCode: 'TASK_EXECUTION_FAILED',
      message: 'connection refused',
      summary: {},
    }); // 13
    await cleanup('JobRunStarted', {
      runId: retried,
      trigger: 'schedule',
      tickAt: tick(5),
      attempt: 2,
      sessionId: null,
    }); // 14
    await cleanup('JobRunEnded', {
      runId: retried,
      outcome: 'completed',
      messageCode: null,
      message: null,
      summary: { revokedTokens: 3, idempotencyKeys: 0 },
    }); // 15
    // A job that is registered and running: its last run stays 'running'.
    await spec.append(
      jobStream('partition_maintenance'),
      'JobRegistered',
      { jobId: 'partition_maintenance', cron: '30 0 * * *', timezone: 'UTC' },
      { occurredAt: at(n++) },
    ); // 16
    await spec.append(
      jobStream('partition_maintenance'),
      'JobRunStarted',
      {
        jobId: 'partition_maintenance',
        runId: running,
        trigger: 'misfire',
        tickAt: tick(6),
        attempt: 1,
        sessionId: null,
      },
      { occurredAt: at(n++) },
    ); // 17
    await spec.catchUp(spec.runner({ batchSize: 1 }));
  });

  it('scheduler_jobs: the schedule, the pause state, the last change and the newest run', async () => {
    const rows = (await spec.db.knex('scheduler_jobs').orderBy('job_id')) as Record<string, unknown>[];
    expect(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, iso(v)])))).toEqual([
      {
        job_id: 'cleanup',
        cron: '0 5 * * *',
        timezone: 'UTC',
        paused: false,
        registered_at: '2026-12-02T10:11:00.123Z',
        updated_at: '2026-12-02T10:11:00.123Z',
        last_run_id: retried,
        last_run_trigger: 'schedule',
        last_run_tick_at: tick(5),
        last_run_started_at: '2026-12-02T10:14:00.123Z',
        last_run_ended_at: '2026-12-02T10:15:00.123Z',
        last_run_outcome: 'completed',
        last_run_session_id: null,
      },
      {
        job_id: 'partition_maintenance',
        cron: '30 0 * * *',
        timezone: 'UTC',
        paused: false,
        registered_at: '2026-12-02T10:16:00.123Z',
        updated_at: '2026-12-02T10:16:00.123Z',
        last_run_id: running,
        last_run_trigger: 'misfire',
        last_run_tick_at: tick(6),
        last_run_started_at: '2026-12-02T10:17:00.123Z',
        last_run_ended_at: null,
        last_run_outcome: 'running',
        last_run_session_id: null,
      },
      {
        job_id: 'sync_accounts',
        cron: '15 23 * * *',
        timezone: 'Asia/Shanghai',
        paused: false,
        registered_at: '2026-12-02T10:00:00.123Z',
        // resumed at 7: runs and ticks do not change it
        updated_at: '2026-12-02T10:07:00.123Z',
        last_run_id: manual,
        last_run_trigger: 'manual',
        last_run_tick_at: null,
        last_run_started_at: '2026-12-02T10:10:00.123Z',
        last_run_ended_at: null,
        last_run_outcome: 'running',
        last_run_session_id: manualSession,
      },
    ]);
    // Microseconds are kept (timestamptz), not cut to the millisecond of a Date.
    const { rows: micro } = await spec.db.knex.raw<{ rows: { t: string }[] }>(
      `SELECT to_char(updated_at AT TIME ZONE 'UTC', 'SS.US') AS t FROM scheduler_jobs WHERE job_id = 'sync_accounts'`,
    );
    expect(micro[0]!.t).toBe('00.123456');
  });

  it('scheduler_job_runs: a row per run (each attempt) and per skipped or missed tick', async () => {
    const rows = (await spec.db.knex('scheduler_job_runs').where({ job_id: 'sync_accounts' })) as Record<
      string,
      unknown
    >[];
    const view = rows
      .map((r) => [
        r.id,
        r.kind,
        r.trigger,
        iso(r.tick_at),
        iso(r.started_at),
        iso(r.ended_at),
        r.outcome,
        r.reason,
      ])
      .sort((a, b) => String(a[3] ?? a[4]).localeCompare(String(b[3] ?? b[4])));
    expect(view).toEqual([
      [
        scheduled,
        'run',
        'schedule',
        tick(1),
        '2026-12-02T10:02:00.123Z',
        '2026-12-02T10:04:00.123Z',
        'partial',
        null,
      ],
      [tickRowId('sync_accounts', tick(2)), 'skipped', null, tick(2), null, null, null, 'overlap'],
      [tickRowId('sync_accounts', tick(3)), 'skipped', null, tick(3), null, null, null, 'paused'],
      [
        tickRowId('sync_accounts', tick(4)),
        'missed',
        null,
        tick(4),
        null,
        null,
        null,
        'no scheduler ran it within 5 min',
      ],
      [manual, 'run', 'manual', null, '2026-12-02T10:10:00.123Z', null, 'running', null],
    ]);
    const first = rows.find((r) => r.id === scheduled)!;
    expect(first).toMatchObject({
      session_id: session,
      owner,
      attempt: 1,
      summary: { sessionId: session, counts: { total: 2, completed: 1, failed: 1 } },
    });
    expect(rows.find((r) => r.kind === 'skipped' && r.reason === 'overlap')!.summary).toEqual({
      runningRunId: scheduled,
    });
    const attempts = (await spec.db
      .knex('scheduler_job_runs')
      .where({ job_id: 'cleanup' })
      .orderBy('attempt')) as Record<string, unknown>[];
    expect(
      attempts.map((r) => [r.id, iso(r.tick_at), r.attempt, r.outcome, r.message_code, r.message]),
    ).toEqual([
      [failed, tick(5), 1, 'failed', 'TASK_EXECUTION_FAILED', 'connection refused'],
      [retried, tick(5), 2, 'completed', null, null],
    ]);
  });

  it('queries: the jobs, and a history newest first, filtered and paged', async () => {
    const jobs = await schedulerJobRows(spec.db.knex);
    expect([...jobs.keys()]).toEqual(['cleanup', 'partition_maintenance', 'sync_accounts']);
    expect((await schedulerJobRow(spec.db.knex, 'sync_accounts'))!.last_run).toEqual({
      run_id: manual,
      trigger: 'manual',
      tick_at: null,
      started_at: '2026-12-02T10:10:00.123Z',
      ended_at: null,
      outcome: 'running',
      session_id: manualSession,
    });
    expect(await schedulerJobRow(spec.db.knex, 'classify_accounts')).toBeUndefined();

    const page = (filters: Parameters<typeof listJobRuns>[2], p = 1, limit = 20) =>
      listJobRuns(spec.db.knex, 'sync_accounts', filters, { page: p, limit });
    const all = await page({});
    expect(all.total).toBe(5);
    // The manual run (started 2026-12-02T10:10) is newer than every tick (2026-12-01, early morning).
    expect(all.items.map((r) => [r.kind, r.tick_at])).toEqual([
      ['run', null],
      ['missed', tick(4)],
      ['skipped', tick(3)],
      ['skipped', tick(2)],
      ['run', tick(1)],
    ]);
    expect((await page({ kind: 'skipped' })).items.map((r) => r.reason)).toEqual(['paused', 'overlap']);
    expect((await page({ outcome: 'partial' })).items.map((r) => r.id)).toEqual([scheduled]);
    expect((await page({ kind: 'run', outcome: 'running' })).items.map((r) => r.id)).toEqual([manual]);
    const second = await page({}, 2, 2);
    expect([second.total, second.items.map((r) => r.tick_at)]).toEqual([5, [tick(3), tick(2)]]);
  });

  it('the live tables equal a rebuild from events', async () => {
    await spec.expectRebuildMatchesLive();
  });
});
