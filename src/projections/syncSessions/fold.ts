// The rows of sync_sessions and sync_instance_records, and the pure fold of session events over them
// (a record waiting for an in-run retry shows `retrying` with the error of the attempt that failed).
// Times come from the events only, so a rebuild folds to the same rows.
import type { RecordedEvent } from '../../domain/events/envelope.js';
import type { RecordStatus, SessionEvent, SessionStatus } from '../../domain/sessions/decider.js';
import type { recordPhases, sessionCategories, syncTypes } from '../../domain/sessions/events.js';

// Category, type and phase are written only from the session events, whose schemas hold them to these
// lists; the statuses are what the CHECK constraints of migrations 0005 and 0010 allow.
type Category = (typeof sessionCategories)[number];

/** A sync_sessions row; `Time` is how its timestamps are read: text in the projection, Date in queries. */
export interface SessionRow<Time = string> {
  session_id: string;
  sync_type: (typeof syncTypes)[number];
  sync_category: Category;
  status: Exclude<SessionStatus, 'none'>;
  started_at: Time;
  completed_at: Time | null;
  total_instances: number;
  successful_instances: number;
  failed_instances: number;
  skipped_instances: number;
  abandoned_instances: number;
  created_by: string;
}

/** A sync_instance_records row. */
export interface RecordRow<Time = string> {
  session_id: string;
  instance_id: string;
  instance_name: string;
  sync_category: Category;
  status: RecordStatus;
  attempts: number;
  phase: (typeof recordPhases)[number] | null;
  started_at: Time | null;
  completed_at: Time | null;
  lease_expires_at: Time | null;
  items_synced: number;
  items_created: number;
  items_updated: number;
  items_deleted: number;
  error_code: string | null;
  error_message: string | null;
  sync_details: Record<string, unknown> | null;
}

export const recordKey = (sessionId: string, instanceId: string): string => `${sessionId}/${instanceId}`;

/** The rows a batch has loaded: sessions by id, records by recordKey. The fold changes them in place. */
export interface SessionTables {
  sessions: Map<string, SessionRow>;
  records: Map<string, RecordRow>;
}

type CounterColumn =
  'successful_instances' | 'failed_instances' | 'skipped_instances' | 'abandoned_instances';

/** What a batch adds to the counters of a session it did not load (a change of -1 or more is a decrease). */
export type CounterChanges = { session_id: string } & Record<CounterColumn, number>;

/** Which session counter a record in this status counts towards. */
const counter: Partial<Record<RecordStatus, CounterColumn>> = {
  completed: 'successful_instances',
  failed: 'failed_instances',
  skipped: 'skipped_instances',
  abandoned: 'abandoned_instances',
};

const newRecord = (
  sessionId: string,
  category: Category,
  instanceId: string,
  instanceName: string,
): RecordRow => ({
  session_id: sessionId,
  instance_id: instanceId,
  instance_name: instanceName,
  sync_category: category,
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

/**
 * Folds events, in log order, over the loaded rows; returns the rows that changed, and what the records'
 * moves add to the counters of sessions not loaded (`counters`: for a batch of record events only, whose
 * session rows need not be read and rewritten whole). Other events of a session or record the tables do
 * not hold (and that do not start it) change nothing.
 */
export function foldSessions(
  tables: SessionTables,
  events: readonly RecordedEvent[],
): { sessions: SessionRow[]; records: RecordRow[]; counters: CounterChanges[] } {
  const { sessions, records } = tables;
  const dirtySessions = new Set<string>();
  const dirtyRecords = new Set<string>();
  const counters = new Map<string, CounterChanges>();
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
    const from = counter[r.status];
    const to = counter[status];
    r.status = status;
    if (from === to) return; // no counter moves: the session row stays as it is
    const s =
      session(r.session_id) ??
      counters.get(r.session_id) ??
      counters
        .set(r.session_id, {
          session_id: r.session_id,
          successful_instances: 0,
          failed_instances: 0,
          skipped_instances: 0,
          abandoned_instances: 0,
        })
        .get(r.session_id)!;
    if (from) s[from] -= 1;
    if (to) s[to] += 1;
  };
  /** Ends a record's attempt: its status, when it ended, no lease. */
  const end = (r: RecordRow, status: RecordStatus, at: string) => {
    setStatus(r, status);
    r.completed_at = at;
    r.lease_expires_at = null;
  };

  for (const e of events) {
    const at = e.metadata.occurredAt;
    const s = e as unknown as SessionEvent;
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
          records.set(key, newRecord(d.sessionId, d.category, i.instanceId, i.instanceName));
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
        end(r, 'completed', at);
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
      case 'InstanceSyncFailed':
      case 'InstanceAttemptFailed': {
        const r = record(s.data.sessionId, s.data.instanceId);
        if (!r) break;
        if (s.type === 'InstanceSyncFailed') {
          end(r, 'failed', at);
        } else {
          // Waiting to retry: not ended (no counter, no completed_at); the lease covers the wait.
          setStatus(r, 'retrying');
          r.lease_expires_at = s.data.leaseExpiresAt;
        }
        r.phase = s.data.phase;
        r.error_code = s.data.messageCode;
        r.error_message = s.data.message;
        break;
      }
      case 'InstanceSyncSkipped':
      case 'InstanceSyncAbandoned': {
        const r = record(s.data.sessionId, s.data.instanceId);
        if (!r) break;
        end(r, s.type === 'InstanceSyncSkipped' ? 'skipped' : 'abandoned', at);
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
  const counted = (c: CounterChanges) =>
    c.successful_instances !== 0 ||
    c.failed_instances !== 0 ||
    c.skipped_instances !== 0 ||
    c.abandoned_instances !== 0;
  return {
    sessions: [...dirtySessions].map((id) => sessions.get(id)!),
    records: [...dirtyRecords].map((key) => records.get(key)!),
    counters: [...counters.values()].filter(counted),
  };
}
