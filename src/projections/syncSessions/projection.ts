// sync_sessions and sync_instance_records: one row per session and one per (session, instance) record
// (a record waiting for an in-run retry shows `retrying` with the error of the attempt that failed).
// Batch-friendly: a batch loads the sessions and records it touches, folds its events over them in
// memory (in log order) and writes back each changed row once.
import type { Knex } from 'knex';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import type { RecordStatus, SessionEvent } from '../../domain/sessions/decider.js';
import type { Projection } from '../projection.js';

export interface SessionRow {
  session_id: string;
  sync_type: string;
  sync_category: string;
  status: 'running' | 'completed' | 'partial' | 'failed' | 'cancelled';
  started_at: string;
  completed_at: string | null;
  total_instances: number;
  successful_instances: number;
  failed_instances: number;
  skipped_instances: number;
  abandoned_instances: number;
  created_by: string;
}

export interface RecordRow {
  session_id: string;
  instance_id: string;
  instance_name: string;
  sync_category: string;
  status: RecordStatus;
  attempts: number;
  phase: string | null;
  started_at: string | null;
  completed_at: string | null;
  lease_expires_at: string | null;
  items_synced: number;
  items_created: number;
  items_updated: number;
  items_deleted: number;
  error_code: string | null;
  error_message: string | null;
  sync_details: Record<string, unknown> | null;
}

const sessionColumns = [
  'session_id',
  'sync_type',
  'sync_category',
  'status',
  'started_at',
  'completed_at',
  'total_instances',
  'successful_instances',
  'failed_instances',
  'skipped_instances',
  'abandoned_instances',
  'created_by',
] as const;

const recordColumns = [
  'session_id',
  'instance_id',
  'instance_name',
  'sync_category',
  'status',
  'attempts',
  'phase',
  'started_at',
  'completed_at',
  'lease_expires_at',
  'items_synced',
  'items_created',
  'items_updated',
  'items_deleted',
  'error_code',
  'error_message',
  'sync_details',
] as const;

const timeColumns = new Set(['started_at', 'completed_at', 'lease_expires_at']);

/**
 * Timestamps are read back as text, not as Date: a Date keeps milliseconds only, and writing a loaded
 * row back must not change a time the log gave with microseconds (live and rebuilt tables must agree
 * whatever the batch boundaries).
 */
const selectList = (knex: Knex.Transaction, columns: readonly string[]) =>
  columns.map((c) => (timeColumns.has(c) ? knex.raw('??::text AS ??', [c, c]) : c));

/** Which session counter a record in this status counts towards. */
const counter: Partial<Record<RecordStatus, keyof SessionRow>> = {
  completed: 'successful_instances',
  failed: 'failed_instances',
  skipped: 'skipped_instances',
  abandoned: 'abandoned_instances',
};

const recordKey = (sessionId: string, instanceId: string) => `${sessionId}/${instanceId}`;

/** Inserts or replaces rows in chunks small enough for the bind-parameter limit. */
export async function upsertRows(
  trx: Knex.Transaction,
  table: string,
  rows: readonly Record<string, unknown>[],
  conflict: string[],
): Promise<void> {
  if (rows.length === 0) return;
  const size = Math.max(1, Math.floor(30_000 / Object.keys(rows[0]!).length));
  for (let i = 0; i < rows.length; i += size) {
    await trx(table)
      .insert(rows.slice(i, i + size))
      .onConflict(conflict)
      .merge();
  }
}

const eventTypes = [
  'SessionStarted',
  'InstanceSyncStarted',
  'InstanceSyncCompleted',
  'InstanceSyncFailed',
  'InstanceAttemptFailed',
  'InstanceSyncSkipped',
  'InstanceSyncAbandoned',
  'InstanceSyncRetried',
  'CompensationApplied',
  'SessionCompleted',
  'SessionCancelled',
] as const satisfies readonly SessionEvent['type'][];

export const syncSessionsProjection: Projection = {
  name: 'sync_sessions',
  tables: ['sync_sessions', 'sync_instance_records'],
  eventTypes,
  apply: async ({ trx, table }, events) => {
    const sessionsTable = table('sync_sessions');
    const recordsTable = table('sync_instance_records');
    const typed = events.map((e) => ({ e, s: e as unknown as SessionEvent & RecordedEvent }));

    // Load what the batch touches.
    const sessionIds = [...new Set(typed.map(({ s }) => s.data.sessionId))];
    const pairs = new Map<string, [string, string]>();
    for (const { s } of typed)
      if ('instanceId' in s.data)
        pairs.set(recordKey(s.data.sessionId, s.data.instanceId), [s.data.sessionId, s.data.instanceId]);
    const sessions = new Map<string, SessionRow>();
    const sessionRows = await trx(sessionsTable)
      .whereIn('session_id', sessionIds)
      .select<SessionRow[]>(selectList(trx, sessionColumns));
    for (const row of sessionRows) sessions.set(row.session_id, row);
    const records = new Map<string, RecordRow>();
    const wanted = [...pairs.values()];
    for (let i = 0; i < wanted.length; i += 5000) {
      const recordRows = await trx(recordsTable)
        .whereIn(['session_id', 'instance_id'], wanted.slice(i, i + 5000))
        .select<RecordRow[]>(selectList(trx, recordColumns));
      for (const row of recordRows) records.set(recordKey(row.session_id, row.instance_id), row);
    }

    const dirtySessions = new Set<string>();
    const dirtyRecords = new Set<string>();
    const session = (id: string) => {
      const row = sessions.get(id);
      if (row) dirtySessions.add(id);
      return row;
    };
    const record = (sessionId: string, instanceId: string) => {
      const key = recordKey(sessionId, instanceId);
      const row = records.get(key);
      if (row) dirtyRecords.add(key);
      return row;
    };
    /** Moves a record to a status and keeps its session's counters in step. */
    const setStatus = (r: RecordRow, status: RecordStatus) => {
      const s = session(r.session_id);
      if (s) {
        const from = counter[r.status];
        const to = counter[status];
        if (from) (s[from] as number) -= 1;
        if (to) (s[to] as number) += 1;
      }
      r.status = status;
    };

    for (const { e, s } of typed) {
      const at = e.metadata.occurredAt;
      switch (s.type) {
        case 'SessionStarted': {
          const d = s.data;
          if (sessions.has(d.sessionId)) break;
          sessions.set(d.sessionId, {
            session_id: d.sessionId,
            sync_type: d.syncType,
            sync_category: d.category,
            status: 'running',
            started_at: at,
            completed_at: null,
            total_instances: d.instances.length,
            successful_instances: 0,
            failed_instances: 0,
            skipped_instances: 0,
            abandoned_instances: 0,
            created_by: e.metadata.actor.id,
          });
          dirtySessions.add(d.sessionId);
          for (const i of d.instances) {
            const key = recordKey(d.sessionId, i.instanceId);
            records.set(key, {
              session_id: d.sessionId,
              instance_id: i.instanceId,
              instance_name: i.instanceName,
              sync_category: d.category,
              status: 'pending',
              attempts: 0,
              phase: null,
              started_at: null,
              completed_at: null,
              lease_expires_at: null,
              items_synced: 0,
              items_created: 0,
              items_updated: 0,
              items_deleted: 0,
              error_code: null,
              error_message: null,
              sync_details: null,
            });
            dirtyRecords.add(key);
          }
          break;
        }
        case 'InstanceSyncStarted': {
          const r = record(s.data.sessionId, s.data.instanceId);
          if (!r) break;
          setStatus(r, 'running');
          r.attempts = s.data.attempt;
          r.started_at = at;
          r.completed_at = null;
          r.lease_expires_at = s.data.leaseExpiresAt;
          break;
        }
        case 'InstanceSyncCompleted': {
          const r = record(s.data.sessionId, s.data.instanceId);
          if (!r) break;
          const d = s.data;
          setStatus(r, 'completed');
          r.completed_at = at;
          r.lease_expires_at = null;
          r.items_synced = d.itemsSynced;
          r.items_created = d.itemsCreated;
          r.items_updated = d.itemsUpdated;
          r.items_deleted = d.itemsDeleted;
          r.error_code = null;
          r.error_message = null;
          const compensations = r.sync_details?.compensations;
          r.sync_details = compensations === undefined ? d.details : { ...d.details, compensations };
          break;
        }
        case 'InstanceSyncFailed': {
          const r = record(s.data.sessionId, s.data.instanceId);
          if (!r) break;
          setStatus(r, 'failed');
          r.completed_at = at;
          r.lease_expires_at = null;
          r.phase = s.data.phase;
          r.error_code = s.data.messageCode;
          r.error_message = s.data.message;
          break;
        }
        case 'InstanceAttemptFailed': {
          // Waiting to retry: not ended (no counter, no completed_at); the lease covers the wait.
          const r = record(s.data.sessionId, s.data.instanceId);
          if (!r) break;
          setStatus(r, 'retrying');
          r.lease_expires_at = s.data.leaseExpiresAt;
          r.phase = s.data.phase;
          r.error_code = s.data.messageCode;
          r.error_message = s.data.message;
          break;
        }
        case 'InstanceSyncSkipped':
        case 'InstanceSyncAbandoned': {
          const r = record(s.data.sessionId, s.data.instanceId);
          if (!r) break;
          setStatus(r, s.type === 'InstanceSyncSkipped' ? 'skipped' : 'abandoned');
          r.completed_at = at;
          r.lease_expires_at = null;
          r.error_code = null;
          r.error_message = s.data.reason;
          break;
        }
        case 'InstanceSyncRetried': {
          const r = record(s.data.sessionId, s.data.instanceId);
          if (r) {
            setStatus(r, 'running');
            r.attempts += 1;
            r.phase = s.data.phase;
            r.completed_at = null;
          }
          // A retry reopens a closed session; it closes again with the next SessionCompleted.
          const sess = session(s.data.sessionId);
          if (sess && sess.status !== 'cancelled') {
            sess.status = 'running';
            sess.completed_at = null;
          }
          break;
        }
        case 'CompensationApplied': {
          const r = record(s.data.sessionId, s.data.instanceId);
          if (!r) break;
          const previous = r.sync_details?.compensations;
          r.sync_details = {
            ...r.sync_details,
            compensations: [
              ...(Array.isArray(previous) ? (previous as unknown[]) : []),
              { action: s.data.action, detail: s.data.detail, at },
            ],
          };
          break;
        }
        case 'SessionCompleted': {
          // May come more than once (retry reopens, then closes): the last one wins.
          const sess = session(s.data.sessionId);
          if (!sess) break;
          const c = s.data.counts;
          sess.status = s.data.status;
          sess.completed_at = at;
          sess.total_instances = c.total;
          sess.successful_instances = c.completed;
          sess.failed_instances = c.failed;
          sess.skipped_instances = c.skipped;
          sess.abandoned_instances = c.abandoned;
          break;
        }
        case 'SessionCancelled': {
          const sess = session(s.data.sessionId);
          if (!sess) break;
          sess.status = 'cancelled';
          sess.completed_at = at;
          break;
        }
      }
    }

    await upsertRows(
      trx,
      sessionsTable,
      [...dirtySessions].map((id) => ({ ...sessions.get(id)! })),
      ['session_id'],
    );
    await upsertRows(
      trx,
      recordsTable,
      [...dirtyRecords].map((key) => {
        const r = records.get(key)!;
        return { ...r, sync_details: r.sync_details === null ? null : JSON.stringify(r.sync_details) };
      }),
      ['session_id', 'instance_id'],
    );
  },
};
