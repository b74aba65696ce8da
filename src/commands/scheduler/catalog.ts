// The built-in jobs: what each does, its default schedule (in WHALEFALL_TIMEZONE), and its retry policy.
// Built-in jobs cannot be deleted; people change their cron and time zone, pause and resume them.
import type { JobId } from '../../domain/scheduler/events.js';
import type { runOutcomes } from '../../domain/scheduler/events.js';
import type { CommandContext } from '../commandContext.js';

export interface JobSpec {
  id: JobId;
  description: string;
  defaultCron: string;
  /**
   * Attempts after a failed run (pg-boss retries the tick; then it lands in the dead-letter queue). Syncs
   * do not retry as a whole: their records retry on their own.
   */
  retryLimit: number;
  /** Runs as a sync session (its id chosen before it starts); maintenance jobs have none. */
  session: boolean;
  /** Waits for a read table to catch up (the aggregation reads the stats tables): only where projections run. */
  readsProjections?: boolean;
}

export const jobCatalog: readonly JobSpec[] = [
  {
    id: 'partition_maintenance',
    description:
      'Creates the monthly stats partitions ahead, drops those beyond retention, reports their health',
    defaultCron: '30 0 * * *',
    retryLimit: 2,
    session: false,
  },
  {
    id: 'sync_accounts',
    description: 'Syncs the accounts and permissions of every active instance',
    defaultCron: '0 1 * * *',
    retryLimit: 0,
    session: true,
  },
  {
    id: 'classify_accounts',
    description: 'Classifies the accounts of every active instance by the active rules (daily statistics)',
    defaultCron: '0 2 * * *',
    retryLimit: 0,
    session: true,
  },
  {
    id: 'collect_database_sizes',
    description: 'Collects the database sizes of every active instance',
    defaultCron: '0 3 * * *',
    retryLimit: 0,
    session: true,
  },
  {
    id: 'calculate_database_aggregations',
    description: 'Aggregates the last completed day, week, month and quarter for every active instance',
    defaultCron: '0 4 * * *',
    retryLimit: 2,
    session: false,
    readsProjections: true,
  },
  {
    id: 'cleanup',
    description:
      'Prunes pg-boss archives, expired revoked tokens, rate-limit windows and day-old idempotency keys (never events)',
    defaultCron: '0 5 * * *',
    retryLimit: 2,
    session: false,
  },
];

export const jobSpec = (id: JobId): JobSpec => jobCatalog.find((j) => j.id === id)!;

export interface JobResult {
  outcome: (typeof runOutcomes)[number];
  messageCode?: string | null;
  message?: string | null;
  summary: Record<string, unknown>;
}

/** What a job does when it runs: given its run id, the session id chosen for it (session jobs) and the context. */
export type JobRun = (input: {
  runId: string;
  sessionId: string | null;
  ctx: CommandContext;
}) => Promise<JobResult>;
