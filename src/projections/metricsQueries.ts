// What GET /metrics reads of the read tables at scrape time: records per category and status, each
// instance's last known connection, the durations of completed account and capacity records counted into
// histogram buckets, and each job's last run per outcome. The tables hold what every process did (a
// `worker` serves no HTTP), so every `serve` answers the same figures. Each query is cancelled in PostgreSQL
// after `timeoutMs`, so a slow database costs a scrape that long and no more.
import type { Knex } from 'knex';

export interface RecordCount {
  category: string;
  status: string;
  count: number;
}

/** Records of sync sessions by category and their status now (pending, running, retrying, completed, ...). */
export async function recordCounts(knex: Knex, timeoutMs: number): Promise<RecordCount[]> {
  const rows = await knex('sync_instance_records')
    .select('sync_category as category', 'status')
    .count<{ category: string; status: string; count: string }[]>('* as count')
    .groupBy('sync_category', 'status')
    .orderBy(['sync_category', 'status'])
    .timeout(timeoutMs, { cancel: true });
  return rows.map((r) => ({ category: r.category, status: r.status, count: Number(r.count) }));
}

export interface InstanceUp {
  id: string;
  name: string;
  up: boolean;
}

/**
 * Each active, not deleted instance whose connection is known (a connection test, or a sync that reached
 * it or failed to): up when the last one connected. Instances never checked are left out.
 */
export async function instancesUp(knex: Knex, timeoutMs: number): Promise<InstanceUp[]> {
  const rows = await knex('instances')
    .select<{ id: string; name: string; connection_status: string }[]>('id', 'name', 'connection_status')
    .whereNull('deleted_at')
    .where('is_active', true)
    .whereIn('connection_status', ['connected', 'failed'])
    .orderBy('name')
    .timeout(timeoutMs, { cancel: true });
  return rows.map((r) => ({ id: r.id, name: r.name, up: r.connection_status === 'connected' }));
}

/** The categories whose records collect from an engine (their durations are the engine's). */
export const collectionCategories = ['account', 'capacity'] as const;

export interface DurationCounts {
  category: string;
  engine: string;
  /** Records at most each upper bound long, in the bounds' order (cumulative, as Prometheus counts). */
  buckets: number[];
  count: number;
  sumSeconds: number;
}

/**
 * Completed account and capacity records by category and engine (the instance's db_type; `unknown` when
 * its row is not there), counted into the upper bounds (seconds, ascending): the last attempt's start to
 * the record's end.
 */
export async function collectionDurations(
  knex: Knex,
  upperBounds: readonly number[],
  timeoutMs: number,
): Promise<DurationCounts[]> {
  const bucketColumns = upperBounds.map((_, i) => `count(*) FILTER (WHERE seconds <= ?) AS b${i}`).join(', ');
  const result = await knex
    .raw<{ rows: Record<string, string | number>[] }>(
      `WITH durations AS (
         SELECT r.sync_category AS category, coalesce(i.db_type, 'unknown') AS engine,
                greatest(0, extract(epoch FROM r.completed_at - r.started_at))::float8 AS seconds
         FROM sync_instance_records r LEFT JOIN instances i ON i.id = r.instance_id
         WHERE r.status = 'completed' AND r.sync_category = ANY(?)
           AND r.started_at IS NOT NULL AND r.completed_at IS NOT NULL)
       SELECT category, engine, count(*) AS count, coalesce(sum(seconds), 0) AS sum_seconds, ${bucketColumns}
       FROM durations GROUP BY category, engine ORDER BY category, engine`,
      [[...collectionCategories], ...upperBounds],
    )
    .timeout(timeoutMs, { cancel: true });
  return result.rows.map((r) => ({
    category: String(r.category),
    engine: String(r.engine),
    buckets: upperBounds.map((_, i) => Number(r[`b${i}`])),
    count: Number(r.count),
    sumSeconds: Number(r.sum_seconds),
  }));
}

export interface JobLastRun {
  job: string;
  /** A run's outcome (running while it runs), or `skipped` / `missed` for a tick that did not run. */
  outcome: string;
  at: Date;
}

/** Each job's newest entry of its history per outcome: when the run ended (or started, while it runs). */
export async function jobLastRuns(knex: Knex, timeoutMs: number): Promise<JobLastRun[]> {
  const result = await knex
    .raw<{ rows: { job: string; outcome: string; at: Date }[] }>(
      `SELECT job_id AS job, coalesce(outcome, kind) AS outcome,
              max(coalesce(ended_at, started_at, at)) AS at
       FROM scheduler_job_runs GROUP BY job_id, coalesce(outcome, kind) ORDER BY 1, 2`,
    )
    .timeout(timeoutMs, { cancel: true });
  return result.rows;
}
