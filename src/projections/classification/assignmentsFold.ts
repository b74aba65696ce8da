// The pure part of the assignments projection: the rows one AssignmentsChanged writes (removed first, then
// added, each row naming the actor and the run), what it touches (classifications, rules), and, for a
// batch, which event last touches each (statDate, classification) and (statDate, rule): the daily
// statistics need computing only there, since a later write of the same key in the batch replaces them.
import type { AssignmentsChangedData } from '../../domain/classification/assignments.js';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import { actorName } from './catalogFold.js';

export interface AssignmentRow {
  id: string;
  account_id: string;
  instance_id: string;
  username: string;
  classification_id: string;
  assignment_type: 'auto' | 'manual';
  rule_id: string | null;
  rule_version: number | null;
  session_id: string | null;
  assigned_at: string;
  assigned_by: string;
}

/** What one AssignmentsChanged does to account_classification_assignments: delete these ids, then upsert these rows. */
export function assignmentWrites(e: RecordedEvent): { deleteIds: string[]; rows: AssignmentRow[] } {
  const d = e.data as AssignmentsChangedData;
  const rows = new Map<string, AssignmentRow>();
  for (const a of d.added)
    rows.set(a.assignmentId, {
      id: a.assignmentId,
      account_id: a.accountId,
      instance_id: d.instanceId,
      username: a.username,
      classification_id: a.classificationId,
      assignment_type: a.assignmentType,
      rule_id: a.ruleId,
      rule_version: a.ruleVersion,
      session_id: d.sessionId ?? null,
      assigned_at: e.metadata.occurredAt,
      assigned_by: actorName(e.metadata.actor),
    });
  return { deleteIds: [...new Set(d.removed.map((r) => r.assignmentId))], rows: [...rows.values()] };
}

/** The classifications and rules (rule id -> its classification) whose figures an event can change. */
export interface Touched {
  classifications: Set<string>;
  rules: Map<string, string>;
}

export function touchedBy(d: AssignmentsChangedData): Touched {
  const touched: Touched = { classifications: new Set(), rules: new Map() };
  for (const a of [...d.removed, ...d.added]) {
    touched.classifications.add(a.classificationId);
    if (a.ruleId) touched.rules.set(a.ruleId, a.classificationId);
  }
  return touched;
}

/**
 * Per event of the batch, what its statistics must write: the keys (its statDate with a classification
 * or a rule) no later event of the batch touches again. Computing the figures at those events only gives
 * what computing them after every event would leave.
 */
export function statPoints(events: readonly RecordedEvent[]): { statDate: string; touched: Touched }[] {
  const seenClassifications = new Set<string>();
  const seenRules = new Set<string>();
  const points: { statDate: string; touched: Touched }[] = [];
  for (let i = events.length - 1; i >= 0; i--) {
    const d = events[i]!.data as AssignmentsChangedData;
    const all = touchedBy(d);
    const touched: Touched = { classifications: new Set(), rules: new Map() };
    for (const c of all.classifications) {
      const key = `${d.statDate}/${c}`;
      if (seenClassifications.has(key)) continue;
      seenClassifications.add(key);
      touched.classifications.add(c);
    }
    for (const [r, c] of all.rules) {
      const key = `${d.statDate}/${r}`;
      if (seenRules.has(key)) continue;
      seenRules.add(key);
      touched.rules.set(r, c);
    }
    points[i] = { statDate: d.statDate, touched };
  }
  return points;
}
