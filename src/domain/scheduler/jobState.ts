// The state a scheduler-job-{id} stream folds into, and what each scheduler command appends. A tick has one
// fate: run (once; again only as a retry of a failed attempt), skipped or missed, so two processes that both
// hear of a tick, or a tick sent twice, give one run. Pure: times and ids come in.
import { AppError } from '../errors.js';
import { cronProblem } from './cron.js';
import type { JobId, runOutcomes, runTriggers, skipReasons } from './events.js';

type Outcome = (typeof runOutcomes)[number];
type Trigger = (typeof runTriggers)[number];

export type TickFate = 'running' | Outcome | 'skipped' | 'missed';

export interface RunState {
  runId: string;
  trigger: Trigger;
  tickAt: string | null;
  attempt: number;
  sessionId: string | null;
  status: 'running' | Outcome;
}

export interface JobState {
  registered: boolean;
  /** When it was registered (its JobRegistered's time): no tick before it is missed. */
  registeredAt: string | null;
  cron: string;
  timezone: string;
  paused: boolean;
  /** Each recorded tick (ISO, UTC) and its fate. */
  ticks: ReadonlyMap<string, { fate: TickFate; attempt: number }>;
  /** The newest recorded tick. */
  lastTickAt: string | null;
  /**
   * Since when the current schedule holds (registered, schedule changed, resumed): ticks before it are
   * neither run late nor reported missed.
   */
  since: string | null;
  runs: ReadonlyMap<string, RunState>;
}

export type JobEvent =
  | { type: 'JobRegistered'; data: { jobId: JobId; cron: string; timezone: string } }
  | {
      type: 'JobScheduleChanged';
      data: { jobId: JobId; cron: string; timezone: string; previous: { cron: string; timezone: string } };
    }
  | { type: 'JobPaused'; data: { jobId: JobId } }
  | { type: 'JobResumed'; data: { jobId: JobId } }
  | { type: 'JobTriggered'; data: { jobId: JobId; runId: string; sessionId: string | null } }
  | {
      type: 'JobRunStarted';
      data: {
        jobId: JobId;
        runId: string;
        trigger: Trigger;
        tickAt: string | null;
        attempt: number;
        sessionId: string | null;
        owner?: string;
      };
    }
  | {
      type: 'JobRunEnded';
      data: {
        jobId: JobId;
        runId: string;
        outcome: Outcome;
        messageCode: string | null;
        message: string | null;
        summary: Record<string, unknown>;
      };
    }
  | {
      type: 'JobTickSkipped';
      data: {
        jobId: JobId;
        tickAt: string;
        reason: (typeof skipReasons)[number];
        runningRunId: string | null;
      };
    }
  | { type: 'JobTickMissed'; data: { jobId: JobId; tickAt: string; reason: string } };

export type JobCommand =
  | { type: 'register'; cron: string; timezone: string }
  | { type: 'changeSchedule'; cron: string; timezone: string }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'trigger'; runId: string; sessionId: string | null }
  | {
      type: 'startRun';
      runId: string;
      trigger: Trigger;
      tickAt: string | null;
      sessionId: string | null;
      owner?: string;
      /** pg-boss runs this tick again under the job's retry policy. */
      retry?: boolean;
    }
  | {
      type: 'endRun';
      runId: string;
      outcome: Outcome;
      messageCode?: string | null;
      message?: string | null;
      summary?: Record<string, unknown>;
    }
  | { type: 'skipTick'; tickAt: string; reason: (typeof skipReasons)[number]; runningRunId?: string | null }
  | { type: 'missTick'; tickAt: string; reason: string };

export const initialJobState = (): JobState => ({
  registered: false,
  registeredAt: null,
  cron: '',
  timezone: '',
  paused: false,
  ticks: new Map(),
  lastTickAt: null,
  since: null,
  runs: new Map(),
});

/** A tick as the state keys it: ISO in UTC, milliseconds included. */
export const tickKey = (at: string | Date): string => new Date(at).toISOString();

const newest = (a: string | null, b: string): string => (a !== null && a > b ? a : b);

export function evolveJob(state: JobState, event: JobEvent, occurredAt?: string): JobState {
  switch (event.type) {
    case 'JobRegistered':
      return {
        ...state,
        registered: true,
        registeredAt: occurredAt ?? null,
        since: occurredAt ?? null,
        cron: event.data.cron,
        timezone: event.data.timezone,
      };
    case 'JobScheduleChanged':
      return {
        ...state,
        cron: event.data.cron,
        timezone: event.data.timezone,
        since: occurredAt ?? state.since,
      };
    case 'JobPaused':
      return { ...state, paused: true };
    case 'JobResumed':
      return { ...state, paused: false, since: occurredAt ?? state.since };
    case 'JobTriggered':
      return state;
    case 'JobRunStarted': {
      const d = event.data;
      const runs = new Map(state.runs);
      runs.set(d.runId, { ...d, status: 'running' });
      if (d.tickAt === null) return { ...state, runs };
      const key = tickKey(d.tickAt);
      const ticks = new Map(state.ticks);
      ticks.set(key, { fate: 'running', attempt: d.attempt });
      return { ...state, runs, ticks, lastTickAt: newest(state.lastTickAt, key) };
    }
    case 'JobRunEnded': {
      const run = state.runs.get(event.data.runId);
      if (!run) return state;
      const runs = new Map(state.runs);
      runs.set(run.runId, { ...run, status: event.data.outcome });
      if (run.tickAt === null) return { ...state, runs };
      const ticks = new Map(state.ticks);
      ticks.set(tickKey(run.tickAt), { fate: event.data.outcome, attempt: run.attempt });
      return { ...state, runs, ticks };
    }
    case 'JobTickSkipped':
    case 'JobTickMissed': {
      const key = tickKey(event.data.tickAt);
      const ticks = new Map(state.ticks);
      ticks.set(key, { fate: event.type === 'JobTickSkipped' ? 'skipped' : 'missed', attempt: 0 });
      return { ...state, ticks, lastTickAt: newest(state.lastTickAt, key) };
    }
    default: {
      const never: never = event;
      throw new Error(`unknown event ${String(never)}`);
    }
  }
}

/** The run still going, if any (a run whose process died stays here until its end is recorded). */
export const openRun = (state: JobState): RunState | undefined =>
  [...state.runs.values()].find((r) => r.status === 'running');

export function decideJob(jobId: JobId, command: JobCommand, state: JobState): JobEvent[] {
  if (command.type === 'register')
    return state.registered
      ? []
      : [{ type: 'JobRegistered', data: { jobId, cron: command.cron, timezone: command.timezone } }];
  if (!state.registered)
    throw new AppError('RESOURCE_NOT_FOUND', `job ${jobId} is not registered`, {
      resource: 'job',
      id: jobId,
    });
  switch (command.type) {
    case 'changeSchedule': {
      const problem = cronProblem(command.cron, command.timezone);
      if (problem)
        throw new AppError('VALIDATION_ERROR', problem, {
          fields: [
            { field: problem.startsWith('unknown time zone') ? 'timezone' : 'cron', message: problem },
          ],
        });
      if (command.cron === state.cron && command.timezone === state.timezone) return [];
      return [
        {
          type: 'JobScheduleChanged',
          data: {
            jobId,
            cron: command.cron,
            timezone: command.timezone,
            previous: { cron: state.cron, timezone: state.timezone },
          },
        },
      ];
    }
    case 'pause':
      return state.paused ? [] : [{ type: 'JobPaused', data: { jobId } }];
    case 'resume':
      return state.paused ? [{ type: 'JobResumed', data: { jobId } }] : [];
    case 'trigger':
      return [{ type: 'JobTriggered', data: { jobId, runId: command.runId, sessionId: command.sessionId } }];
    case 'startRun': {
      const { runId, trigger, tickAt, sessionId, owner } = command;
      let attempt = 1;
      if (tickAt !== null) {
        const seen = state.ticks.get(tickKey(tickAt));
        if (seen) {
          // Heard twice (two processes, or pg-boss and the misfire pass): one run. A retry may run a
          // failed attempt again; nothing else runs a tick twice.
          if (!(command.retry && seen.fate === 'failed')) return [];
          attempt = seen.attempt + 1;
        }
        if (state.paused && trigger !== 'manual')
          return [
            {
              type: 'JobTickSkipped',
              data: { jobId, tickAt: tickKey(tickAt), reason: 'paused', runningRunId: null },
            },
          ];
      }
      return [
        {
          type: 'JobRunStarted',
          data: {
            jobId,
            runId,
            trigger,
            tickAt: tickAt === null ? null : tickKey(tickAt),
            attempt,
            sessionId,
            ...(owner ? { owner } : {}),
          },
        },
      ];
    }
    case 'endRun': {
      const run = state.runs.get(command.runId);
      if (!run || run.status !== 'running') return [];
      return [
        {
          type: 'JobRunEnded',
          data: {
            jobId,
            runId: command.runId,
            outcome: command.outcome,
            messageCode: command.messageCode ?? null,
            message: command.message ?? null,
            summary: command.summary ?? {},
          },
        },
      ];
    }
    case 'skipTick':
    case 'missTick': {
      const key = tickKey(command.tickAt);
      if (state.ticks.has(key)) return [];
      return command.type === 'skipTick'
        ? [
            {
              type: 'JobTickSkipped',
              data: {
                jobId,
                tickAt: key,
                reason: command.reason,
                runningRunId: command.runningRunId ?? null,
              },
            },
          ]
        : [{ type: 'JobTickMissed', data: { jobId, tickAt: key, reason: command.reason } }];
    }
    default: {
      const never: never = command;
      throw new Error(`unknown command ${String(never)}`);
    }
  }
}
