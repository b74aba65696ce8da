// sync_sessions and sync_instance_records: one row per session and one per (session, instance) record.
// Batch-friendly: a batch loads the sessions and records it touches, folds its events over them in
// memory (foldSessions, in log order) and writes back each changed row once. A batch of record events
// only (what a running session appends) does not load its sessions: their counters move in one UPDATE.
import { prepared } from '../../adapters/db/preparedStatements.js';
import type { SessionEvent } from '../../domain/sessions/decider.js';
import type { Projection } from '../projection.js';
import { selectWhereIn, writeRows } from '../rows.js';
import { foldSessions, recordKey, type CounterChanges, type RecordRow, type SessionRow } from './fold.js';

export const sessionColumns = [
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
] as const satisfies readonly (keyof SessionRow)[];

/** The columns of sync_instance_records, in the table's (and the API's) order. */
export const recordColumns = [
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
] as const satisfies readonly (keyof RecordRow)[];

export const timeColumns: ReadonlySet<string> = new Set(['started_at', 'completed_at', 'lease_expires_at']);

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

/**
 * The events that change a session row beyond its counters (or create it): a batch without them leaves
 * the session rows unread, and moves their counters with one UPDATE (an InstanceSyncStarted moves none).
 */
const sessionEventTypes: ReadonlySet<string> = new Set([
  'SessionStarted',
  'InstanceSyncRetried',
  'SessionCompleted',
  'SessionCancelled',
] satisfies SessionEvent['type'][]);

const counterColumns = [
  'successful_instances',
  'failed_instances',
  'skipped_instances',
  'abandoned_instances',
] as const satisfies readonly (keyof CounterChanges)[];

export const syncSessionsProjection: Projection = {
  name: 'sync_sessions',
  tables: ['sync_sessions', 'sync_instance_records'],
  eventTypes,
  apply: async ({ trx, table }, events) => {
    const sessionsTable = table('sync_sessions');
    const recordsTable = table('sync_instance_records');

    // Load what the batch touches.
    const sessionIds = new Set<string>();
    const pairs = new Map<string, [string, string]>();
    for (const e of events) {
      const d = e.data as { sessionId: string; instanceId?: string };
      sessionIds.add(d.sessionId);
      if (d.instanceId !== undefined)
        pairs.set(recordKey(d.sessionId, d.instanceId), [d.sessionId, d.instanceId]);
    }
    const sessions = new Map<string, SessionRow>();
    const loadSessions = events.some((e) => sessionEventTypes.has(e.type));
    if (loadSessions)
      for (const row of await selectWhereIn<SessionRow>(
        trx,
        sessionsTable,
        'session_id',
        [...sessionIds],
        sessionColumns,
        timeColumns,
      ))
        sessions.set(row.session_id, row);
    const records = new Map<string, RecordRow>();
    for (const row of await selectWhereIn<RecordRow>(
      trx,
      recordsTable,
      ['session_id', 'instance_id'],
      [...pairs.values()],
      recordColumns,
      timeColumns,
    ))
      records.set(recordKey(row.session_id, row.instance_id), row);

    const changed = foldSessions({ sessions, records }, events);
    await writeRows(trx, sessionsTable, changed.sessions, { conflict: ['session_id'] });
    await writeRows(trx, recordsTable, changed.records, { conflict: ['session_id', 'instance_id'] });
    // Sessions loaded: their counters are in the rows just written (the changes left are of sessions
    // the table does not hold). Not loaded: the counters move in place, the rest of the row as it is.
    if (!loadSessions && changed.counters.length > 0)
      await trx
        .raw(
          `UPDATE ?? s SET ${counterColumns.map((c) => `${c} = s.${c} + d.${c}`).join(', ')}
         FROM jsonb_to_recordset(?::jsonb)
           AS d(session_id uuid, ${counterColumns.map((c) => `${c} integer`).join(', ')})
         WHERE s.session_id = d.session_id`,
          [sessionsTable, JSON.stringify(changed.counters)],
        )
        .options(prepared);
  },
};
