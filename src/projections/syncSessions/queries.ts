// Reads of sync_sessions and sync_instance_records for the API and for the recovery pass.
import type { Knex } from 'knex';
import { pageMeta, type Paging } from '../../domain/paging.js';
import { escapeLike } from '../credentials/queries.js';
import { paged, type PageTotals } from '../paging.js';
import { utcTimeTypes } from '../utcTimeText.js';
import type { RecordRow, SessionRow } from './fold.js';
import { recordColumns, sessionColumns, timeColumns } from './projection.js';

type SessionDbRow = SessionRow<Date>;
type RecordDbRow = RecordRow<Date>;

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const sessionToApi = (r: SessionDbRow) => ({
  session_id: r.session_id,
  sync_type: r.sync_type,
  sync_category: r.sync_category,
  status: r.status,
  started_at: r.started_at.toISOString(),
  completed_at: iso(r.completed_at),
  total_instances: r.total_instances,
  successful_instances: r.successful_instances,
  failed_instances: r.failed_instances,
  skipped_instances: r.skipped_instances,
  abandoned_instances: r.abandoned_instances,
  created_by: r.created_by,
});

/**
 * The session columns, in the API's order too (sessionToApi's keys), the times as UTC text (utcTimeTypes):
 * a page of sessions comes from PostgreSQL as the API answers it, with no Date and no second object per
 * row (about 50 µs a page under load; docs/decisions.md "Kept list pages compile once").
 */
const apiSessionColumns = (knex: Knex) =>
  sessionColumns.map((c) => (timeColumns.has(c) ? knex.raw(`?? AT TIME ZONE 'UTC' AS ??`, [c, c]) : c));

/** The record columns in the API's order (the JSON's key order), the times as UTC text (utcTimeTypes). */
const apiRecordColumns = (knex: Knex) =>
  recordColumns.map((c) => (timeColumns.has(c) ? knex.raw(`?? AT TIME ZONE 'UTC' AS ??`, [c, c]) : c));

/** A page of `q` in `order`, its rows in the API's shape (`columns`, the times as UTC text), with its total. */
async function apiPage<Row>(
  q: Knex.QueryBuilder,
  paging: Paging,
  totals: PageTotals | undefined,
  columns: readonly (string | Knex.Raw)[],
  order: readonly { column: string; order: 'asc' | 'desc' }[],
) {
  const { total, rows } = await paged<Row>(q, paging, { totals, order, columns, types: utcTimeTypes });
  return { total, items: rows };
}

export interface SessionFilters {
  category?: string | undefined;
  syncType?: string | undefined;
  status?: string | undefined;
  /** started_at >= from */
  from?: Date | undefined;
  /** started_at < to */
  to?: Date | undefined;
  /** Sessions with a record of this instance. */
  instanceId?: string | undefined;
}

/** Sessions newest first, with the total that matches the filters. */
export async function listSessions(knex: Knex, filters: SessionFilters, paging: Paging, totals?: PageTotals) {
  const q = knex<SessionDbRow>('sync_sessions');
  if (filters.category) q.where('sync_category', filters.category);
  if (filters.syncType) q.where('sync_type', filters.syncType);
  if (filters.status) q.where('status', filters.status);
  if (filters.from) q.where('started_at', '>=', filters.from);
  if (filters.to) q.where('started_at', '<', filters.to);
  if (filters.instanceId) {
    const instanceId = filters.instanceId;
    q.whereExists((sub) => {
      void sub
        .select(knex.raw('1'))
        .from('sync_instance_records as r')
        .whereRaw('r.session_id = sync_sessions.session_id')
        .where('r.instance_id', instanceId);
    });
  }
  // Qualified: a bare started_at would name the selected UTC text's column, which no index orders.
  return apiPage<ReturnType<typeof sessionToApi>>(q, paging, totals, apiSessionColumns(knex), [
    { column: 'sync_sessions.started_at', order: 'desc' },
    { column: 'sync_sessions.session_id', order: 'desc' },
  ]);
}

/** Filters of a session's records (GET /sync-sessions/{id}/records). */
export interface RecordFilters {
  status?: string | undefined;
  /** The phase of the record's last failure. */
  phase?: string | undefined;
  /** A part of the instance's name, case-insensitive. */
  search?: string | undefined;
}

/** Records in the first page of a session's answer (GET /sync-sessions/{id}): the API's largest page. */
export const FIRST_RECORDS = 100;

/**
 * One page of a session's records, by instance name then id (a total order: the instance id is unique
 * in a session), with the count of those the filters match. The records come from PostgreSQL in the
 * API's shape, column for column, with the times read in UTC as text (utcTimeText.ts): no second object
 * per record and no Date. The order is the index sync_instance_records_session_name_idx (or, with a
 * status, ..._session_status_idx): a page reads its rows from the index, not every record of the session.
 * docs/decisions.md "A session's records are paged".
 */
export async function sessionRecords(
  knex: Knex,
  id: string,
  filters: RecordFilters,
  paging: Paging,
  totals?: PageTotals,
) {
  const q = knex('sync_instance_records').where('session_id', id);
  if (filters.status) q.where('status', filters.status);
  if (filters.phase) q.where('phase', filters.phase);
  if (filters.search)
    q.whereRaw("lower(instance_name) LIKE ? ESCAPE '\\'", [`%${escapeLike(filters.search.toLowerCase())}%`]);
  // Qualified: bare names would be the selected columns (the times' text), which no index orders.
  return apiPage<RecordRow<string>>(q, paging, totals, apiRecordColumns(knex), [
    { column: 'sync_instance_records.instance_name', order: 'asc' },
    { column: 'sync_instance_records.instance_id', order: 'asc' },
  ]);
}

/**
 * One session with the first page of its records (FIRST_RECORDS, by instance name, as
 * GET /sync-sessions/{id}/records answers its page 1) and their paging meta, or undefined. A session of
 * up to FIRST_RECORDS records is whole in one answer; a larger one tells its total and page count.
 */
export async function getSession(knex: Knex, id: string, totals?: PageTotals) {
  const row = await knex<SessionDbRow>('sync_sessions').where({ session_id: id }).first();
  if (!row) return undefined;
  const paging = { page: 1, limit: FIRST_RECORDS };
  const first = await sessionRecords(knex, id, {}, paging, totals);
  return { ...sessionToApi(row), records: first.items, records_meta: pageMeta(paging, first.total) };
}

/** The records `where` picks, ordered by `first` (ascending), then by the record's key. */
const recordsBy = (
  knex: Knex,
  where: (q: Knex.QueryBuilder) => void,
  first: readonly string[],
): Promise<RecordDbRow[]> =>
  knex<RecordDbRow>('sync_instance_records')
    .modify(where)
    .orderBy([...first, 'session_id', 'instance_id'].map((column) => ({ column, order: 'asc' as const })))
    .select('*');

/** The records of a session that failed or were abandoned, with what went wrong, in the order they ended. */
export async function sessionErrorLogs(knex: Knex, id: string) {
  const rows = await recordsBy(
    knex,
    (q) => void q.where({ session_id: id }).whereIn('status', ['failed', 'abandoned']),
    ['completed_at', 'instance_name'],
  );
  return rows.map((r) => ({
    session_id: r.session_id,
    instance_id: r.instance_id,
    instance_name: r.instance_name,
    status: r.status,
    phase: r.phase,
    error_code: r.error_code,
    error_message: r.error_message,
    attempts: r.attempts,
    completed_at: iso(r.completed_at),
  }));
}

/** For recovery: running (or retrying) records whose lease expired before `now`, oldest lease first. */
export async function expiredRunningRecords(knex: Knex, now: Date) {
  const rows = await recordsBy(
    knex,
    (q) => void q.whereIn('status', ['running', 'retrying']).where('lease_expires_at', '<', now),
    ['lease_expires_at'],
  );
  return rows.map((r) => ({
    session_id: r.session_id,
    instance_id: r.instance_id,
    instance_name: r.instance_name,
    sync_category: r.sync_category,
    attempts: r.attempts,
    phase: r.phase,
    started_at: iso(r.started_at),
    lease_expires_at: r.lease_expires_at!.toISOString(),
  }));
}
