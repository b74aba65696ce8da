// As-of reads: queries over events, not over the read tables. They fold an instance's assignments-{id}
// stream up to a moment (foldAssignments), and the classification and rule streams up to the same moment
// for the names they had then: which classifications an account held, decided by which rule version and
// which run; which accounts held a classification.
import type { Knex } from 'knex';
import pLimit from 'p-limit';
import type { EventStore } from '../../adapters/eventStore/port.js';
import {
  assignmentsStream,
  foldAssignments,
  type AssignmentEvent,
  type HeldAssignment,
} from '../../domain/classification/assignments.js';
import {
  evolveClassification,
  initialClassificationState,
  type ClassificationEvent,
  type ClassificationState,
} from '../../domain/classification/classificationDecider.js';
import { classificationStream, ruleStream } from '../../domain/classification/events.js';
import {
  evolveRule,
  initialRuleState,
  type RuleEvent,
  type RuleState,
} from '../../domain/classification/ruleDecider.js';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import { AppError } from '../../domain/errors.js';
import type { Paging } from '../../domain/paging.js';

type StreamReader = Pick<EventStore, 'readStream'>;

const checkedMoment = (asOf: Date): Date => {
  if (!(asOf instanceof Date) || Number.isNaN(asOf.getTime()))
    throw new AppError('VALIDATION_ERROR', 'as_of is not a valid instant: expected an ISO 8601 date-time');
  return asOf;
};

/** Streams read at once by membersAsOf. */
export const asOfReadConcurrency = 16;

const upTo = (events: readonly RecordedEvent[], asOf: Date) =>
  events.filter((e) => new Date(e.metadata.occurredAt) <= asOf);

const toAssignmentEvents = (events: readonly RecordedEvent[]): AssignmentEvent[] =>
  events.map((e) => ({ type: e.type, eventId: e.eventId, occurredAt: e.metadata.occurredAt, data: e.data }));

/** What held on an instance at `asOf`. */
async function heldOn(store: StreamReader, instanceId: string, asOf: Date) {
  return foldAssignments(toAssignmentEvents(await store.readStream(assignmentsStream(instanceId))), asOf);
}

/** A classification as it was at `asOf`; undefined when it had not been created by then. */
async function classificationAt(store: StreamReader, id: string, asOf: Date) {
  const state = upTo(await store.readStream(classificationStream(id)), asOf).reduce<ClassificationState>(
    (s, e) => evolveClassification(s, e as unknown as ClassificationEvent),
    initialClassificationState(),
  );
  return state.lifecycle === 'none' ? undefined : state;
}

async function ruleAt(store: StreamReader, id: string, asOf: Date) {
  const state = upTo(await store.readStream(ruleStream(id)), asOf).reduce<RuleState>(
    (s, e) => evolveRule(s, e as unknown as RuleEvent),
    initialRuleState(),
  );
  return state.lifecycle === 'none' ? undefined : state;
}

const classificationApi = (id: string, c: ClassificationState | undefined) => ({
  classification_id: id,
  name: c?.name ?? null,
  risk_level: c?.riskLevel ?? null,
  color: c?.color ?? null,
  /** The classification had been deleted by then (its assignments are gone by then too, normally). */
  deleted: c?.lifecycle === 'deleted',
});

const heldApi = (a: HeldAssignment) => ({
  assignment_id: a.assignmentId,
  assignment_type: a.assignmentType,
  rule_id: a.ruleId,
  rule_version: a.ruleVersion,
  /** The classification run that decided it; null for a manual assignment. */
  session_id: a.sessionId,
  assigned_at: a.assignedAt,
});

const byName = (a: { name: string | null; classification_id: string }, b: typeof a) =>
  (a.name ?? '').localeCompare(b.name ?? '') || a.classification_id.localeCompare(b.classification_id);

/**
 * The classifications an account held at `asOf`, one entry per assignment (a classification decided by
 * two rules is two entries), with the classification's name, risk level and color and the rule's name as
 * they were then; undefined when instance_accounts has no such account.
 */
export async function classificationsAsOf(store: StreamReader, knex: Knex, accountId: string, asOf: Date) {
  checkedMoment(asOf);
  const account = await knex('instance_accounts')
    .where({ id: accountId })
    .first<{ instance_id: string; username: string } | undefined>('instance_id', 'username');
  if (!account) return undefined;
  const held = [...(await heldOn(store, account.instance_id, asOf)).values()].filter(
    (a) => a.accountId === accountId,
  );
  const limit = pLimit(asOfReadConcurrency);
  const classificationIds = [...new Set(held.map((a) => a.classificationId))];
  const ruleIds = [...new Set(held.flatMap((a) => (a.ruleId ? [a.ruleId] : [])))];
  const [classifications, rules] = await Promise.all([
    Promise.all(
      classificationIds.map((id) =>
        limit(async () => [id, await classificationAt(store, id, asOf)] as const),
      ),
    ),
    Promise.all(ruleIds.map((id) => limit(async () => [id, await ruleAt(store, id, asOf)] as const))),
  ]);
  const classificationOf = new Map(classifications);
  const ruleOf = new Map(rules);
  const items = held
    .map((a) => ({
      ...classificationApi(a.classificationId, classificationOf.get(a.classificationId)),
      ...heldApi(a),
      rule_name: (a.ruleId && ruleOf.get(a.ruleId)?.ruleName) || null,
    }))
    .sort((a, b) => byName(a, b) || (a.rule_id ?? '').localeCompare(b.rule_id ?? ''));
  return {
    account_id: accountId,
    instance_id: account.instance_id,
    username: account.username,
    as_of: asOf.toISOString(),
    items,
  };
}

/**
 * The accounts that held a classification at `asOf`, over every instance the instances table knows
 * (deleted ones included), by username then instance, each with the assignments that gave it; paged.
 * `classification` is the classification as it was then (null when it had not been created by then).
 */
export async function membersAsOf(
  store: StreamReader,
  knex: Knex,
  classificationId: string,
  asOf: Date,
  paging: Paging,
) {
  checkedMoment(asOf);
  const instances = (await knex('instances').select('id', 'name').orderBy('id')) as {
    id: string;
    name: string;
  }[];
  const limit = pLimit(asOfReadConcurrency);
  const [classification, perInstance] = await Promise.all([
    classificationAt(store, classificationId, asOf),
    Promise.all(
      instances.map((i) => limit(async () => ({ instance: i, held: await heldOn(store, i.id, asOf) }))),
    ),
  ]);
  const members = new Map<
    string,
    {
      account_id: string;
      instance_id: string;
      instance_name: string;
      username: string;
      assignments: ReturnType<typeof heldApi>[];
    }
  >();
  for (const { instance, held } of perInstance)
    for (const a of held.values()) {
      if (a.classificationId !== classificationId) continue;
      const member = members.get(a.accountId) ?? {
        account_id: a.accountId,
        instance_id: instance.id,
        instance_name: instance.name,
        username: a.username,
        assignments: [],
      };
      member.assignments.push(heldApi(a));
      members.set(a.accountId, member);
    }
  const all = [...members.values()].sort(
    (a, b) =>
      (a.username < b.username ? -1 : a.username > b.username ? 1 : 0) ||
      a.instance_id.localeCompare(b.instance_id),
  );
  for (const m of all) m.assignments.sort((x, y) => x.assignment_id.localeCompare(y.assignment_id));
  const from = (paging.page - 1) * paging.limit;
  return {
    classification: classification ? classificationApi(classificationId, classification) : null,
    as_of: asOf.toISOString(),
    total: all.length,
    items: all.slice(from, from + paging.limit),
  };
}
