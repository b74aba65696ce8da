// How the CLI words a running session: one status line (counts, and the names of the instances still
// running), and one line per record as it ends. Read from the session stream, which names the instances
// (SessionStarted) and says why a record failed, was skipped or abandoned.
import type { RecordedEvent } from '../domain/events/envelope.js';
import { counts, isEndStatus, type RecordStatus, type SessionState } from '../domain/sessions/decider.js';

export interface RecordView {
  instanceId: string;
  name: string;
  status: RecordStatus;
  /** Why it failed, was skipped, abandoned or waits to retry. */
  detail: string | undefined;
}

type Data = { instanceId?: string; phase?: string; messageCode?: string; message?: string; reason?: string };

const shortId = (id: string) => id.slice(0, 8);

export function recordViews(history: readonly RecordedEvent[], state: SessionState): RecordView[] {
  const names = new Map<string, string>();
  const details = new Map<string, string | undefined>();
  for (const e of history) {
    const d = e.data as Data & { instances?: { instanceId: string; instanceName: string }[] };
    if (e.type === 'SessionStarted')
      for (const i of d.instances ?? []) names.set(i.instanceId, i.instanceName);
    if (!d.instanceId) continue;
    if (e.type === 'InstanceSyncFailed' || e.type === 'InstanceAttemptFailed')
      details.set(d.instanceId, `in ${d.phase}, ${d.messageCode}: ${d.message}`);
    else if (e.type === 'InstanceSyncSkipped' || e.type === 'InstanceSyncAbandoned')
      details.set(d.instanceId, d.reason);
    else if (e.type === 'InstanceSyncStarted' || e.type === 'InstanceSyncRetried')
      details.set(d.instanceId, undefined);
  }
  return [...state.records.entries()].map(([instanceId, r]) => ({
    instanceId,
    name: names.get(instanceId) ?? shortId(instanceId),
    status: r.status,
    detail: r.status === 'completed' ? undefined : details.get(instanceId),
  }));
}

/** `maria: failed (in inventory, DATABASE_CONNECTION_ERROR: ...)` */
export const endedLine = (r: RecordView): string =>
  `  ${r.name}: ${r.status}${r.detail ? ` (${r.detail})` : ''}`;

export function statusLine(state: SessionState, records: readonly RecordView[]): string {
  const c = counts(state);
  const named = (s: RecordStatus) =>
    records
      .filter((r) => r.status === s)
      .map((r) => r.name)
      .join(', ');
  const running = named('running');
  const retrying = named('retrying');
  return [
    `${c.completed + c.failed + c.skipped + c.abandoned}/${c.total} ended: ${c.completed} completed, ${c.failed} failed, ${c.skipped} skipped, ${c.abandoned} abandoned`,
    ...(running ? [`running: ${running}`] : []),
    ...(retrying ? [`waiting to retry: ${retrying}`] : []),
  ].join('; ');
}

/** The records that ended since `reported`, which is updated. */
export function newlyEnded(records: readonly RecordView[], reported: Set<string>): RecordView[] {
  const ended = records.filter((r) => isEndStatus(r.status) && !reported.has(r.instanceId));
  for (const r of ended) reported.add(r.instanceId);
  return ended;
}
