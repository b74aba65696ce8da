// Reads of sync_sessions and sync_instance_records for the dashboard and the live session events: sessions
// with their progress (records by status), counts by outcome over a time window or per local day, and the
// failed or partial sessions that need an operator's attention with their first error.
import type { Knex } from 'knex';
import type { RecordStatus, SessionStatus } from '../../domain/sessions/state.js';
import type { SessionRow } from './fold.js';
import { sessionToApi } from './queries.js';

export const sessionStatuses = [
  'running',
  'completed',
  'partial',
  'failed',
  'cancelled',
] as const satisfies readonly Exclude<SessionStatus, 'none'>[];
export type SessionOutcome = (typeof sessionStatuses)[number];

export const recordStatuses = [
  'pending',
  'running',
  'retrying',
  'completed',
  'failed',
  'skipped',
  'abandoned',
] as const satisfies readonly RecordStatus[];

type Progress = Record<(typeof recordStatuses)[number], number> & { total: number };

const zeroBy = <K extends string>(keys: readonly K[]): Record<K, number> =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

/** A session as GET /sync-sessions shows it, with its records counted by status (`total`: its instances). */
export type SessionWithProgress = ReturnType<typeof sessionToApi> & { progress: Progress };

async function withProgress(knex: Knex, rows: SessionRow<Date>[]): Promise<SessionWithProgress[]> {
  if (rows.length === 0) return [];
  const counts: { session_id: string; status: RecordStatus; n: string }[] = await knex(
    'sync_instance_records',
  )
    .whereIn(
      'session_id',
      rows.map((r) => r.session_id),
    )
    .groupBy('session_id', 'status')
    .select('session_id', 'status', knex.raw('count(*) AS n'));
  const bySession = new Map<string, Progress>();
  for (const r of rows) bySession.set(r.session_id, { ...zeroBy(recordStatuses), total: r.total_instances });
  for (const c of counts) bySession.get(c.session_id)![c.status] = Number(c.n);
  return rows.map((r) => ({ ...sessionToApi(r), progress: bySession.get(r.session_id)! }));
}

/** The sessions of these ids that have a row, newest first. */
export async function sessionsWithProgress(knex: Knex, ids: readonly string[]) {
  if (ids.length === 0) return [];
  const rows = await knex<SessionRow<Date>>('sync_sessions')
    .whereIn('session_id', [...ids])
    .orderBy([
      { column: 'started_at', order: 'desc' },
      { column: 'session_id', order: 'desc' },
    ])
    .select('*');
  return withProgress(knex, rows);
}

/** The latest `limit` sessions, newest first. */
export async function recentSessions(knex: Knex, limit: number) {
  const rows = await knex<SessionRow<Date>>('sync_sessions')
    .orderBy([
      { column: 'started_at', order: 'desc' },
      { column: 'session_id', order: 'desc' },
    ])
    .limit(limit)
    .select('*');
  return withProgress(knex, rows);
}

/** Sessions started at or after `since`, counted by status (every status present). */
export async function sessionCountsSince(knex: Knex, since: Date): Promise<Record<SessionOutcome, number>> {
  const rows: { status: SessionOutcome; n: string }[] = await knex('sync_sessions')
    .where('started_at', '>=', since)
    .groupBy('status')
    .select('status', knex.raw('count(*) AS n'));
  const out = zeroBy(sessionStatuses);
  for (const r of rows) out[r.status] = Number(r.n);
  return out;
}

/**
 * Sessions counted by the local day they started on (in `timeZone`) and status, for the days from `first`
 * to `last` (YYYY-MM-DD, inclusive): day -> status -> count; a day without sessions is absent.
 */
export async function dailySessionCounts(knex: Knex, first: string, last: string, timeZone: string) {
  // A bound the index can use: the UTC day before `first` starts before its local midnight in every zone.
  const lowerBound = new Date(Date.parse(`${first}T00:00:00Z`) - 86_400_000);
  const rows: { day: string; status: SessionOutcome; n: string }[] = await knex('sync_sessions')
    .where('started_at', '>=', lowerBound)
    .whereRaw('(started_at AT TIME ZONE ?)::date BETWEEN ?::date AND ?::date', [timeZone, first, last])
    .groupByRaw('1, 2')
    .select(knex.raw('((started_at AT TIME ZONE ?)::date)::text AS day', [timeZone]), 'status')
    .select(knex.raw('count(*) AS n'));
  const out = new Map<string, Record<SessionOutcome, number>>();
  for (const r of rows) {
    const counts = out.get(r.day) ?? zeroBy(sessionStatuses);
    counts[r.status] = Number(r.n);
    out.set(r.day, counts);
  }
  return out;
}

/**
 * The failed or partial sessions started at or after `since`, newest first: each with how many of its
 * records failed or were abandoned, and the first of them to end (its instance, code and message).
 */
export async function sessionsNeedingAttention(knex: Knex, since: Date, limit: number) {
  const rows: {
    session_id: string;
    sync_category: string;
    sync_type: string;
    status: 'failed' | 'partial';
    started_at: Date;
    completed_at: Date | null;
    failed_records: string;
    instance_id: string | null;
    instance_name: string | null;
    error_code: string | null;
    error_message: string | null;
  }[] = await knex({ s: 'sync_sessions' })
    .whereIn('s.status', ['failed', 'partial'])
    .where('s.started_at', '>=', since)
    .joinRaw(
      `LEFT JOIN LATERAL (
         SELECT count(*) OVER () AS failed_records, r.instance_id, r.instance_name, r.error_code, r.error_message
         FROM sync_instance_records r
         WHERE r.session_id = s.session_id AND r.status IN ('failed', 'abandoned')
         ORDER BY r.completed_at NULLS LAST, r.instance_name, r.instance_id
         LIMIT 1
       ) e ON true`,
    )
    .orderBy([
      { column: 's.started_at', order: 'desc' },
      { column: 's.session_id', order: 'desc' },
    ])
    .limit(limit)
    .select(
      's.session_id',
      's.sync_category',
      's.sync_type',
      's.status',
      's.started_at',
      's.completed_at',
      knex.raw('coalesce(e.failed_records, 0) AS failed_records'),
      'e.instance_id',
      'e.instance_name',
      'e.error_code',
      'e.error_message',
    );
  return rows.map((r) => ({
    session_id: r.session_id,
    sync_category: r.sync_category,
    sync_type: r.sync_type,
    status: r.status,
    started_at: r.started_at.toISOString(),
    completed_at: r.completed_at?.toISOString() ?? null,
    failed_records: Number(r.failed_records),
    first_error:
      r.instance_id === null
        ? null
        : {
            instance_id: r.instance_id,
            instance_name: r.instance_name,
            error_code: r.error_code,
            error_message: r.error_message,
          },
  }));
}
