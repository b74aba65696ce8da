// The state a scheduler-job-{id} stream folds into, its events and the commands on it; the decisions are in
// jobDecider.ts. Pure: times and ids come in.
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
