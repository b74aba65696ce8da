// The administrator's actions on a scheduler job, each behind a confirmation that says what it starts or
// changes and which events it appends: run now (not while the scheduler is off), pause, resume.
import { client, unwrap } from '../../api/client';
import { ConfirmButton } from '../confirm';
import type { Item } from '../admin/shared';

export type Job = Item<'/scheduler/jobs'>;
/** The jobs that run as a sync session (the others are maintenance). */
const sessionJobs = new Set(['sync_accounts', 'classify_accounts', 'collect_database_sizes']);

export function JobActions({
  job,
  schedulerOn,
  onStarted,
  onChanged,
}: {
  job: Job;
  schedulerOn: boolean;
  onStarted: (job: string, started: { run_id: string; session_id: string | null }) => void;
  onChanged: (message: string) => void;
}) {
  const path = { params: { path: { id: job.id } } };
  return (
    <div class="actions">
      {schedulerOn && (
        <ConfirmButton
          label="Run now"
          title={`Run ${job.name} now?`}
          confirmLabel="Run now"
          onConfirm={async () =>
            onStarted(job.id, await unwrap(client.POST('/scheduler/jobs/{id}/actions/run', path)))
          }
        >
          <p>
            This starts {job.name} now, outside its schedule: {job.description.toLowerCase()}.
          </p>
          {sessionJobs.has(job.id) ? (
            <p>
              It runs as a sync session over every active instance (watch it on the Sessions page). The job's
              stream gets <code>JobTriggered</code> and <code>JobRunStarted</code> now,{' '}
              <code>JobRunEnded</code> when the session ends.
            </p>
          ) : (
            <p>
              The job's stream gets <code>JobTriggered</code> and <code>JobRunStarted</code> now,{' '}
              <code>JobRunEnded</code> when it is done.
            </p>
          )}
          <p>
            It is refused with JOB_RUNNING while a run of it is going. The next scheduled run stays as it is.
          </p>
        </ConfirmButton>
      )}
      {job.paused ? (
        <ConfirmButton
          label="Resume"
          title={`Resume ${job.name}?`}
          confirmLabel="Resume"
          onConfirm={() => unwrap(client.POST('/scheduler/jobs/{id}/actions/resume', path))}
          onDone={() => onChanged(`${job.name} resumed`)}
        >
          <p>
            This appends <code>JobResumed</code>: {job.name} runs again at its next tick ({job.cron},{' '}
            {job.timezone}). The ticks missed while it was paused are not caught up.
          </p>
        </ConfirmButton>
      ) : (
        <ConfirmButton
          label="Pause"
          title={`Pause ${job.name}?`}
          confirmLabel="Pause"
          onConfirm={() => unwrap(client.POST('/scheduler/jobs/{id}/actions/pause', path))}
          onDone={() => onChanged(`${job.name} paused`)}
        >
          <p>
            This appends <code>JobPaused</code>: no tick of {job.name} runs until it is resumed (each is
            recorded as skipped). A run going now goes on.
          </p>
        </ConfirmButton>
      )}
    </div>
  );
}
