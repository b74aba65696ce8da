// The listing of `whalefall jobs list`: every built-in job as its stream says (scheduler-job-{id}), folded
// here and not read from a table, so it needs no projection; as JSON lines or as a table.
import { loadJob } from '../commands/scheduler/jobs.js';
import { jobCatalog } from '../commands/scheduler/catalog.js';
import { nextTick } from '../domain/scheduler/cron.js';
import type { JobId } from '../domain/scheduler/events.js';
import type { JobState, RunState } from '../domain/scheduler/jobState.js';
import type { Runtime } from '../runtime.js';

/** The run started last (the stream's order), if any. */
const lastRun = (state: JobState): RunState | undefined => [...state.runs.values()].at(-1);

export interface JobLine {
  id: JobId;
  description: string;
  registered: boolean;
  cron: string;
  timezone: string;
  paused: boolean;
  next_run: string | null;
  last_run: {
    run_id: string;
    trigger: RunState['trigger'];
    tick_at: string | null;
    attempt: number;
    outcome: RunState['status'];
    session_id: string | null;
  } | null;
}

/** Every built-in job as its stream says (an unregistered one, before serve first started, with its defaults). */
export async function jobLines(runtime: Pick<Runtime, 'store' | 'config'>, now: Date): Promise<JobLine[]> {
  const lines: JobLine[] = [];
  for (const spec of jobCatalog) {
    const { state } = await loadJob(runtime.store, spec.id);
    const cron = state.registered ? state.cron : spec.defaultCron;
    const timezone = state.registered ? state.timezone : runtime.config.timezone;
    const run = lastRun(state);
    lines.push({
      id: spec.id,
      description: spec.description,
      registered: state.registered,
      cron,
      timezone,
      paused: state.paused,
      next_run: state.paused ? null : nextTick(cron, timezone, now).toISOString(),
      last_run: run
        ? {
            run_id: run.runId,
            trigger: run.trigger,
            tick_at: run.tickAt,
            attempt: run.attempt,
            outcome: run.status,
            session_id: run.sessionId,
          }
        : null,
    });
  }
  return lines;
}

export const table = (rows: string[][]): string[] => {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  );
};

export const lastRunText = (run: JobLine['last_run']): string =>
  run
    ? [
        run.trigger,
        run.tick_at ?? 'now',
        run.outcome,
        ...(run.attempt > 1 ? [`attempt ${run.attempt}`] : []),
        ...(run.session_id ? [`session ${run.session_id}`] : []),
      ].join(' ')
    : '-';
