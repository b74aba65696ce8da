// What each scheduler command appends to a job's stream. A tick has one fate: run (once; again only as a
// retry of a failed attempt), skipped or missed, so two processes that both hear of a tick, or a tick sent
// twice, give one run. Pure.
import { AppError } from '../errors.js';
import { cronProblem } from './cron.js';
import type { JobId } from './events.js';
import { tickKey, type JobCommand, type JobEvent, type JobState } from './jobState.js';

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
