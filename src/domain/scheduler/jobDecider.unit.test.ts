// The job decider: registration once; schedule changes validated (a bad cron or zone is VALIDATION_ERROR
// naming it) and no-ops when equal; pause/resume idempotent; a tick run once whoever hears it, again only
// as a retry of a failed attempt; a paused job's tick skipped; skipped and missed ticks recorded once.
import { describe, expect, it } from 'vitest';
import { decideJob } from './jobDecider.js';
import { evolveJob, initialJobState, openRun, type JobCommand, type JobState } from './jobState.js';

const JOB = 'sync_accounts' as const;
const TICK = '2026-12-02T01:00:00.000Z';
const given = (...commands: JobCommand[]): JobState =>
  commands.reduce(
    (s, c) => decideJob(JOB, c, s).reduce((t, e) => evolveJob(t, e, '2026-12-01T00:00:00.000Z'), s),
    initialJobState(),
  );
const registered = (): JobCommand => ({ type: 'register', cron: '0 1 * * *', timezone: 'UTC' });
const start = (
  runId: string,
  extra: Partial<Extract<JobCommand, { type: 'startRun' }>> = {},
): JobCommand => ({
  type: 'startRun',
  runId,
  trigger: 'schedule',
  tickAt: TICK,
  sessionId: null,
  ...extra,
});
const R1 = '00000000-0000-4000-8000-000000000001';
const R2 = '00000000-0000-4000-8000-000000000002';

describe('job decider', () => {
  it('registers once, with its default schedule and the time it was first seen', () => {
    const s = given(registered());
    expect(s).toMatchObject({
      registered: true,
      cron: '0 1 * * *',
      registeredAt: '2026-12-01T00:00:00.000Z',
    });
    expect(decideJob(JOB, registered(), s)).toEqual([]);
    expect(() => decideJob(JOB, { type: 'pause' }, initialJobState())).toThrow(/not registered/);
  });

  it('validates a schedule change, names what is wrong, and appends nothing when it is the same', () => {
    const s = given(registered());
    expect(() => decideJob(JOB, { type: 'changeSchedule', cron: '0 25 * * *', timezone: 'UTC' }, s)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_ERROR', message: expect.stringContaining("'0 25 * * *'") }),
    );
    expect(() =>
      decideJob(JOB, { type: 'changeSchedule', cron: '0 2 * * *', timezone: 'Nowhere/City' }, s),
    ).toThrow(
      expect.objectContaining({ context: { fields: [expect.objectContaining({ field: 'timezone' })] } }),
    );
    expect(decideJob(JOB, { type: 'changeSchedule', cron: '0 1 * * *', timezone: 'UTC' }, s)).toEqual([]);
    expect(
      decideJob(JOB, { type: 'changeSchedule', cron: '0 2 * * *', timezone: 'Asia/Shanghai' }, s),
    ).toEqual([
      {
        type: 'JobScheduleChanged',
        data: {
          jobId: JOB,
          cron: '0 2 * * *',
          timezone: 'Asia/Shanghai',
          previous: { cron: '0 1 * * *', timezone: 'UTC' },
        },
      },
    ]);
  });

  it('pauses and resumes, each once', () => {
    const paused = given(registered(), { type: 'pause' });
    expect(paused.paused).toBe(true);
    expect(decideJob(JOB, { type: 'pause' }, paused)).toEqual([]);
    expect(decideJob(JOB, { type: 'resume' }, paused)).toEqual([
      { type: 'JobResumed', data: { jobId: JOB } },
    ]);
  });

  it('runs a tick once, whoever hears it; again only as a retry of a failed attempt', () => {
    const running = given(registered(), start(R1));
    expect(openRun(running)?.runId).toBe(R1);
    expect(decideJob(JOB, start(R2), running)).toEqual([]);
    expect(decideJob(JOB, start(R2, { retry: true }), running)).toEqual([]); // still running: no second run
    const failed = given(registered(), start(R1), { type: 'endRun', runId: R1, outcome: 'failed' });
    expect(decideJob(JOB, start(R2), failed)).toEqual([]);
    expect(decideJob(JOB, start(R2, { retry: true }), failed)).toEqual([
      expect.objectContaining({
        type: 'JobRunStarted',
        data: expect.objectContaining({ runId: R2, attempt: 2 }),
      }),
    ]);
    const done = given(registered(), start(R1), { type: 'endRun', runId: R1, outcome: 'completed' });
    expect(decideJob(JOB, start(R2, { retry: true }), done)).toEqual([]);
    expect(decideJob(JOB, { type: 'endRun', runId: R1, outcome: 'failed' }, done)).toEqual([]); // ended once
    expect(openRun(done)).toBeUndefined();
  });

  it('skips the tick of a paused job, but runs a manual run', () => {
    const paused = given(registered(), { type: 'pause' });
    expect(decideJob(JOB, start(R1), paused)).toEqual([
      { type: 'JobTickSkipped', data: { jobId: JOB, tickAt: TICK, reason: 'paused', runningRunId: null } },
    ]);
    expect(decideJob(JOB, start(R1, { trigger: 'manual', tickAt: null }), paused)[0]).toMatchObject({
      type: 'JobRunStarted',
      data: { trigger: 'manual', tickAt: null, attempt: 1 },
    });
  });

  it('records a skipped or missed tick once, and never over a run', () => {
    const s = given(registered(), { type: 'skipTick', tickAt: TICK, reason: 'overlap', runningRunId: R1 });
    expect(s.lastTickAt).toBe(TICK);
    expect(decideJob(JOB, { type: 'missTick', tickAt: TICK, reason: 'down' }, s)).toEqual([]);
    expect(decideJob(JOB, start(R2), s)).toEqual([]);
    const ran = given(registered(), start(R1));
    expect(
      decideJob(JOB, { type: 'skipTick', tickAt: new Date(TICK).toISOString(), reason: 'overlap' }, ran),
    ).toEqual([]);
  });
});
