// `whalefall jobs list|run|pause|resume|set-cron`: the scheduler's built-in jobs from the command line, on
// the same database as `serve`. `list` folds the job streams (scheduler-job-{id}), not a read table, so it
// needs no projection (src/cli/jobList.ts). pause / resume / set-cron append to the job's stream (decided there: a bad cron is
// VALIDATION_ERROR naming it) and then push the job's schedule to pg-boss. `run` runs the job now in this
// process under the job's advisory lock (JOB_RUNNING when a run is going anywhere), shows its session's
// progress like `whalefall sync`, and exits 0 only when the run ended completed. No command here schedules:
// pg-boss is opened without its cron timekeeping (composeScheduler with schedule: false).
import type { Command } from 'commander';
import { executeJob, jobIdOf, loadJob } from '../../commands/scheduler/jobs.js';
import type { Scheduler } from '../../commands/scheduler/scheduler.js';
import { jobCatalog } from '../../commands/scheduler/catalog.js';
import { loadSession } from '../../commands/sync/sessionWriter.js';
import type { Commands } from '../../compose.js';
import { composeScheduler } from '../../composeScheduler.js';
import { AppError } from '../../domain/errors.js';
import { jobStream, type JobId } from '../../domain/scheduler/events.js';
import type { JobCommand, JobState } from '../../domain/scheduler/jobState.js';
import type { Runtime } from '../../runtime.js';
import { CliError } from '../cliError.js';
import { jobLines, lastRunText, table } from '../jobList.js';
import { endedLine, newlyEnded, recordViews, statusLine } from '../sessionProgress.js';
import { exitCodeOf, interruptions } from '../signals.js';
import { status } from '../terminal.js';
import { cliContext, withRuntime } from '../withRuntime.js';

/** The refusals of a command's input (an unknown job, a bad cron, a run going): exit code 2, not a crash. */
const INPUT_CODES = new Set(['VALIDATION_ERROR', 'RESOURCE_NOT_FOUND', 'JOB_RUNNING']);

async function refusingInput<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AppError && INPUT_CODES.has(err.code)) throw new CliError(err.message);
    throw err;
  }
}

const notRegistered = (jobId: JobId) =>
  new CliError(
    `job ${jobId} is not registered yet: start \`whalefall serve\` once (its scheduler registers the jobs)`,
  );

const jobOf = (id: string): JobId => {
  try {
    return jobIdOf(id);
  } catch (err) {
    if (err instanceof AppError) throw new CliError(err.message);
    throw err;
  }
};

/**
 * Pushes the job's schedule and pause state (from its stream) to pg-boss, without scheduling here. When
 * pg-boss has no queue for the job yet (serve never started the scheduler), serve applies it at start.
 */
async function applyToPgBoss(runtime: Runtime, jobId: JobId): Promise<void> {
  const { scheduler } = await composeScheduler(runtime, { schedule: false });
  try {
    // Writes pg-boss's schedule row; serve's pg-boss timekeeper sends the ticks.
    await scheduler.apply(jobId);
  } catch (err) {
    if (err instanceof Error && /not found/i.test(err.message)) {
      status.note(
        `whalefall: pg-boss has no queue for ${jobId} yet; serve applies the job's schedule when its scheduler starts`,
      );
      return;
    }
    throw err;
  }
}

/** Appends the command to the job's stream, pushes the result to pg-boss, prints the job's line. */
async function change(runtime: Runtime, id: string, command: (state: JobState) => JobCommand) {
  const jobId = jobOf(id);
  const { state } = await loadJob(runtime.store, jobId);
  if (!state.registered) throw notRegistered(jobId);
  const events = await refusingInput(() => executeJob(runtime.store, jobId, command(state), cliContext()));
  await applyToPgBoss(runtime, jobId);
  const line = (await jobLines(runtime, new Date())).find((l) => l.id === jobId)!;
  console.log(
    `${jobId}: ${events.length ? events.map((e) => e.type).join(', ') : 'unchanged'}; cron '${line.cron}' ${line.timezone}, ${line.paused ? 'paused' : `next run ${line.next_run}`}`,
  );
}

/** The run's end as its JobRunEnded says (undefined while none is recorded). */
async function runEnd(runtime: Pick<Runtime, 'store'>, jobId: JobId, runId: string) {
  const events = await runtime.store.readStream(jobStream(jobId));
  const ended = events.find(
    (e) => e.type === 'JobRunEnded' && (e.data as { runId?: string }).runId === runId,
  );
  return ended?.data as { outcome: string; messageCode: string | null; message: string | null } | undefined;
}

/** Runs the job now in this process; shows its session's progress; the exit code says how it ended. */
async function runJob(
  runtime: Runtime,
  { scheduler, cancelSession }: { scheduler: Scheduler; cancelSession: Commands['cancelSession'] },
  jobId: JobId,
  out: NodeJS.WriteStream,
) {
  const ctx = cliContext();
  const signals = interruptions();
  try {
    const started = await refusingInput(() => scheduler.runNow(jobId, ctx));
    out.write(`run ${started.runId}\n`);
    if (started.sessionId) out.write(`session ${started.sessionId}\n`);
    const reported = new Set<string>();
    const progress = async () => {
      if (!started.sessionId) return;
      const { state, history } = await loadSession(runtime.store, started.sessionId);
      if (history.length === 0) return; // not started yet
      const records = recordViews(history, state);
      for (const r of newlyEnded(records, reported)) status.line(endedLine(r));
      status.show(statusLine(state, records));
    };
    const timer = setInterval(() => void progress().catch(() => undefined), out.isTTY ? 300 : 2000);
    let signal: NodeJS.Signals | undefined;
    try {
      signal = await Promise.race([started.done.then(() => undefined), signals.signalled]);
      if (signal && started.sessionId) {
        status.note(`${signal}: cancelling session ${started.sessionId} (again to stop at once)`);
        await cancelSession(started.sessionId, `cancelled from the command line (${signal})`, {
          ...ctx,
          now: new Date(),
        }).catch((err: unknown) => status.note(`could not cancel: ${(err as Error).message}`));
      }
      await started.done;
    } finally {
      clearInterval(timer);
    }
    await progress().catch(() => undefined);
    status.end();
    const end = await runEnd(runtime, jobId, started.runId);
    const outcome = end?.outcome ?? 'unknown (no end recorded)';
    out.write(
      `run ${started.runId}: ${outcome}${end?.messageCode ? ` (${end.messageCode}: ${end.message ?? ''})` : ''}\n`,
    );
    if (signal) return exitCodeOf(signal);
    return outcome === 'completed' ? 0 : 1;
  } finally {
    signals.disarm();
  }
}

export function addJobCommands(program: Command): void {
  const jobs = program
    .command('jobs')
    .description("the scheduler's built-in jobs: list, run now, pause, resume, change the schedule");

  jobs
    .command('list')
    .description('each job: cron, time zone, paused, next run, last run (from the job streams)')
    .option('--json', 'one JSON object per line')
    .action((opts: { json?: boolean }) =>
      withRuntime(async (runtime) => {
        const lines = await jobLines(runtime, new Date());
        if (opts.json) {
          for (const l of lines) console.log(JSON.stringify(l));
          return;
        }
        const rows = [['ID', 'CRON', 'TIMEZONE', 'PAUSED', 'NEXT RUN', 'LAST RUN']];
        for (const l of lines)
          rows.push([
            l.id,
            l.cron,
            l.timezone,
            l.paused ? 'yes' : 'no',
            l.next_run ?? '-',
            lastRunText(l.last_run),
          ]);
        for (const line of table(rows)) console.log(line);
        if (lines.some((l) => !l.registered))
          console.log('(a job never registered shows its default: serve registers the jobs when it starts)');
      }),
    );

  jobs
    .command('pause')
    .description('stop the future ticks of a job (a run going is not stopped)')
    .argument('<id>', `one of: ${jobCatalog.map((j) => j.id).join(', ')}`)
    .action((id: string) => withRuntime((runtime) => change(runtime, id, () => ({ type: 'pause' }))));

  jobs
    .command('resume')
    .description('schedule a paused job again (ticks missed while paused are not run)')
    .argument('<id>', `one of: ${jobCatalog.map((j) => j.id).join(', ')}`)
    .action((id: string) => withRuntime((runtime) => change(runtime, id, () => ({ type: 'resume' }))));

  jobs
    .command('set-cron')
    .description("change a job's cron expression (five fields) and time zone")
    .argument('<id>', `one of: ${jobCatalog.map((j) => j.id).join(', ')}`)
    .argument('<cron>', "minute hour day-of-month month day-of-week, e.g. '30 1 * * *'")
    .option('--timezone <tz>', "an IANA time zone (default: the job's current one)")
    .action((id: string, cron: string, opts: { timezone?: string }) =>
      withRuntime((runtime) =>
        change(runtime, id, (state) => ({
          type: 'changeSchedule',
          cron,
          timezone: opts.timezone ?? state.timezone,
        })),
      ),
    );

  jobs
    .command('run')
    .description(
      "run a job now in this process (one run at a time per job, in any process); shows its session's progress; exit code 0 when it completed",
    )
    .argument('<id>', `one of: ${jobCatalog.map((j) => j.id).join(', ')}`)
    .action((id: string) =>
      withRuntime(
        async (runtime, { commands }) => {
          const jobId = jobOf(id);
          if (!(await loadJob(runtime.store, jobId)).state.registered) throw notRegistered(jobId);
          await runtime.keyring.reload();
          const { scheduler } = await composeScheduler(runtime, { schedule: false });
          process.exitCode = await runJob(
            runtime,
            { scheduler, cancelSession: commands.cancelSession },
            jobId,
            process.stdout,
          );
        },
        { closeWithinMs: 15_000 },
      ),
    );
}
