// What the sessions pages read (types from the generated API schema), and the words they show: category
// and type names, durations, and a readable line for each event of a session's timeline.
import type { paths } from '../../api/schema';

type Ok<P extends keyof paths> = paths[P] extends {
  get: { responses: { 200: { content: { 'application/json': { data: infer D } } } } };
}
  ? D
  : never;

export type Session = Ok<'/sync-sessions/{id}'>;
export type SessionRecord = Session['records'][number];
export type ErrorLog = Ok<'/sync-sessions/{id}/error-logs'>[number];
export type TimelineEntry = Ok<'/sync-sessions/{id}/events'>[number];
export type SessionQuery = NonNullable<paths['/sync-sessions']['get']['parameters']['query']>;
export type RecordQuery = NonNullable<paths['/sync-sessions/{id}/records']['get']['parameters']['query']>;

export const categories = ['account', 'capacity', 'aggregation', 'classification', 'tags'] as const;
export const statuses = ['running', 'completed', 'partial', 'failed', 'cancelled'] as const;
export const syncTypes = ['manual_single', 'manual_batch', 'scheduled_task'] as const;
type RecordStatus = NonNullable<RecordQuery['status']>;
type RecordPhase = NonNullable<RecordQuery['phase']>;
/** Every status and phase the API filters on (a Record: the compiler checks none is missing). */
const statusNames: Record<RecordStatus, true> = {
  pending: true,
  running: true,
  retrying: true,
  completed: true,
  failed: true,
  skipped: true,
  abandoned: true,
};
const phaseNames: Record<RecordPhase, true> = {
  connect: true,
  inventory: true,
  permissions: true,
  sizes: true,
  aggregate: true,
  classify: true,
  tag: true,
  other: true,
};
export const recordStatuses = Object.keys(statusNames) as RecordStatus[];
export const recordPhases = Object.keys(phaseNames) as RecordPhase[];

export const categoryLabel: Record<string, string> = {
  account: 'Accounts',
  capacity: 'Capacity',
  aggregation: 'Aggregation',
  classification: 'Classification',
  tags: 'Tags',
};
export const syncTypeLabel: Record<string, string> = {
  manual_single: 'manual, one instance',
  manual_batch: 'manual, several instances',
  scheduled_task: 'scheduled',
};

/** Records that ended (completed, failed, skipped, abandoned) of the total: from the session's tally. */
export function progressOf(s: {
  total_instances: number;
  successful_instances: number;
  failed_instances: number;
  skipped_instances: number;
  abandoned_instances: number;
}) {
  const done = s.successful_instances + s.failed_instances + s.skipped_instances + s.abandoned_instances;
  return { done, total: s.total_instances };
}

/** 850 ms, 12.3 s, 4 min 05 s, 2 h 03 min. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** From start to end (or to now while it runs); undefined before it started. */
export function durationOf(startedAt: string | null, endedAt: string | null, now = Date.now()) {
  if (!startedAt) return undefined;
  return formatDuration((endedAt ? Date.parse(endedAt) : now) - Date.parse(startedAt));
}

const str = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
};
const len = (v: unknown) => (Array.isArray(v) ? v.length : 0);
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
const localTime = (iso: unknown) =>
  typeof iso === 'string' && !Number.isNaN(Date.parse(iso)) ? new Date(iso).toLocaleString() : str(iso);

type Summary = (d: Record<string, unknown>) => string;
const summaries: Record<string, Summary> = {
  SessionStarted: (d) =>
    `${categoryLabel[str(d.category)] ?? str(d.category)} session (${syncTypeLabel[str(d.syncType)] ?? str(d.syncType)}) for ${plural(len(d.instances), 'instance')}`,
  InstanceSyncStarted: (d) =>
    `attempt ${str(d.attempt)} started; its lease runs to ${localTime(d.leaseExpiresAt)}`,
  InstanceSyncCompleted: (d) =>
    `completed: ${str(d.itemsSynced)} synced (${str(d.itemsCreated)} created, ${str(d.itemsUpdated)} updated, ${str(d.itemsDeleted)} deleted)`,
  InstanceSyncFailed: (d) => `failed in the ${str(d.phase)} phase: ${str(d.messageCode)} ${str(d.message)}`,
  InstanceAttemptFailed: (d) =>
    `attempt ${str(d.attempt)} failed in the ${str(d.phase)} phase: ${str(d.messageCode)} ${str(d.message)}; the run retries at ${localTime(d.retryAt)}`,
  InstanceSyncSkipped: (d) => `skipped: ${str(d.reason)}`,
  InstanceSyncAbandoned: (d) => `abandoned: ${str(d.reason)}`,
  InstanceSyncRetried: (d) => `retried, from the ${str(d.phase)} phase`,
  CompensationApplied: (d) => `operator action ${str(d.action)}: ${str(d.detail)}`,
  SessionCompleted: (d) => {
    const c = (d.counts ?? {}) as Record<string, unknown>;
    return `session ${str(d.status)}: ${str(c.completed)} completed, ${str(c.failed)} failed, ${str(c.skipped)} skipped, ${str(c.abandoned)} abandoned of ${str(c.total)}`;
  },
  SessionCancelled: (d) => `session cancelled: ${str(d.reason)}`,
  InstanceInventorySynced: (d) =>
    `inventory of ${plural(len(d.accounts), 'account')}: ${len(d.added)} added, ${len(d.changed)} changed, ${len(d.deactivated)} deactivated, ${len(d.reactivated)} reactivated${d.confirmedDeactivation ? ' (deactivation confirmed by an operator)' : ''}`,
  PermissionsSynced: (d) =>
    `permissions of ${plural(len(d.accounts), 'account')} read${len(d.errors) ? `, ${plural(len(d.errors), 'item error')}` : ''}${len(d.unread) ? `, ${len(d.unread)} unread` : ''}`,
  PermissionsFailed: (d) => `permissions not read: ${str(d.messageCode)} ${str(d.message)}`,
  InventoryReverted: (d) => `inventory reverted: ${plural(len(d.accounts), 'account')} restored`,
  DatabaseInventorySynced: (d) =>
    `${plural(len(d.databases), 'database')} (${len(d.added)} added, ${len(d.vanished)} vanished) on ${str(d.collectedDate)}`,
  StatsSaved: (d) =>
    `sizes of ${plural(len(d.databases), 'database')} saved: ${str(d.totalSizeMb)} MB in all`,
  TableSizesSaved: (d) => `sizes of ${plural(len(d.tables), 'table')} of ${str(d.databaseName)} saved`,
};

/** What an event says, in a line; events without a summary of their own list their simple fields. */
export function summarize(e: Pick<TimelineEntry, 'type' | 'data'>): string {
  const own = summaries[e.type];
  if (own) return own(e.data);
  return Object.entries(e.data)
    .filter(([k, v]) => !/Id$/.test(k) && (typeof v !== 'object' || Array.isArray(v)))
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? plural(v.length, 'item') : str(v)}`)
    .join(', ');
}
