// The scheduler's pg-boss queues: one per job (`whalefall-job-{id}`), the dead-letter queue its failed runs
// end in, what a tick job carries, and creating a queue idempotently (another process, an earlier start or
// an older policy may have made it). Shared with the records queue (src/commands/sync/recordDispatch.ts).
import type PgBoss from 'pg-boss';
import { errorMessage } from '../../domain/errors.js';
import type { JobId } from '../../domain/scheduler/events.js';

export const DEAD_LETTER_QUEUE = 'whalefall-dead-letter';
export const queueOf = (jobId: JobId): string => `whalefall-job-${jobId}`;

/** What a tick's pg-boss job carries. */
export interface TickJob {
  jobId: JobId;
  /** Set by the catch-up pass; pg-boss's own schedule sends none (the time is derived). */
  tickAt?: string;
  trigger?: 'schedule' | 'misfire';
}

export interface DeadLetter {
  id: string;
  jobId: string;
  tickAt: string | null;
  failedAt: string;
  /** What the last attempt threw (pg-boss keeps it as the job's output). */
  error: string | null;
}

/** Creates the queue, or brings an existing one to these options. */
export async function ensureQueue(
  boss: PgBoss,
  name: string,
  options: Omit<PgBoss.Queue, 'name'>,
): Promise<void> {
  try {
    await boss.createQueue(name, { name, ...options });
  } catch (err) {
    if (!/already exists|duplicate key/i.test(errorMessage(err))) throw err;
    await boss.updateQueue(name, { name, ...options });
  }
}

/** pg-boss keeps a failed job's error as its output ({message, stack, ...}); the message is enough. */
function errorOf(output: unknown): string | null {
  if (!output || typeof output !== 'object') return null;
  const message = (output as { message?: unknown }).message;
  return typeof message === 'string' ? message.slice(0, 4000) : null;
}

/** The runs that failed every attempt, newest first (pg-boss's table: nothing works that queue). */
export async function listDeadLetters(boss: PgBoss, schema: string, limit: number): Promise<DeadLetter[]> {
  const { rows } = await boss
    .getDb()
    .executeSql(
      `SELECT id, data, output, created_on FROM ${schema}.job WHERE name = $1 ORDER BY created_on DESC LIMIT $2`,
      [DEAD_LETTER_QUEUE, limit],
    );
  return (rows as { id: string; data: TickJob | null; output: unknown; created_on: Date }[]).map((r) => ({
    id: r.id,
    jobId: r.data?.jobId ?? 'unknown',
    tickAt: r.data?.tickAt ?? null,
    failedAt: new Date(r.created_on).toISOString(),
    error: errorOf(r.output),
  }));
}
