// Classification assignments (stream assignments-{instanceId}): which accounts of an instance hold which
// classification, through which rule version (auto) or by whose hand (manual). Every change is one
// AssignmentsChanged listing what was added and removed, so folding the stream up to a moment says what
// held then, and why. Auto-classify appends only the difference against the current assignments (defect 11:
// nothing is deleted up front); an account whose evaluation reported errors keeps what it had.
// Pure: no I/O, no clock.
import { z } from 'zod';
import type { DbType, PermissionFacts } from '../engines/model.js';
import { defineEvent, type EventDefinition } from '../events/registry.js';
import { stableId } from '../ids.js';
import { evaluator, type DslError, type DslRule } from './dsl.js';

export const assignmentTypes = ['auto', 'manual'] as const;
export type AssignmentType = (typeof assignmentTypes)[number];

/** Why an assignment left: the account no longer matches, the rule changed or stopped, the account left, a person. */
export const removalReasons = [
  'no_longer_matches',
  'rule_versioned',
  'rule_inactive',
  'account_inactive',
  'manual_removal',
] as const;
export type RemovalReason = (typeof removalReasons)[number];

const entrySchema = z.strictObject({
  assignmentId: z.uuid(),
  accountId: z.uuid(),
  username: z.string().min(1),
  classificationId: z.uuid(),
  assignmentType: z.enum(assignmentTypes),
  /** The rule and version that decided an auto assignment; null for a manual one. */
  ruleId: z.uuid().nullable(),
  ruleVersion: z.number().int().min(1).nullable(),
});
export type AssignmentEntry = z.infer<typeof entrySchema>;

const removedSchema = entrySchema.extend({ reason: z.enum(removalReasons) });
export type RemovedAssignment = z.infer<typeof removedSchema>;

export const assignmentEventDefinitions: readonly EventDefinition[] = [
  defineEvent({
    type: 'AssignmentsChanged',
    schemaVersion: 1,
    schema: z.strictObject({
      instanceId: z.uuid(),
      /** The classification run that decided it; absent for a manual change. */
      sessionId: z.uuid().optional(),
      /** The day (in WHALEFALL_TIMEZONE) the daily statistics count this change in. */
      statDate: z.iso.date(),
      added: z.array(entrySchema),
      removed: z.array(removedSchema),
    }),
  }),
];

export interface AssignmentsChangedData {
  instanceId: string;
  sessionId?: string;
  statDate: string;
  added: AssignmentEntry[];
  removed: RemovedAssignment[];
}

export const assignmentsStream = (instanceId: string): string => `assignments-${instanceId}`;

/** One assignment per account, classification and deciding rule (auto) or per account and classification (manual). */
export const assignmentId = (accountId: string, classificationId: string, ruleId: string | null): string =>
  stableId('assignment', accountId, classificationId, ruleId ?? 'manual');

/** An assignment that holds, with the change that made it. */
export interface HeldAssignment extends AssignmentEntry {
  assignedAt: string;
  sessionId: string | null;
  eventId: string;
}

export interface AssignmentEvent {
  type: string;
  eventId: string;
  occurredAt: string;
  data: unknown;
}

/** The assignments that held after the events (up to `until` when given), by assignment id. */
export function foldAssignments(
  events: readonly AssignmentEvent[],
  until?: Date,
): Map<string, HeldAssignment> {
  const held = new Map<string, HeldAssignment>();
  for (const e of events) {
    if (until && new Date(e.occurredAt) > until) break;
    if (e.type !== 'AssignmentsChanged') continue;
    const d = e.data as AssignmentsChangedData;
    for (const r of d.removed) held.delete(r.assignmentId);
    for (const a of d.added)
      held.set(a.assignmentId, {
        ...a,
        assignedAt: e.occurredAt,
        sessionId: d.sessionId ?? null,
        eventId: e.eventId,
      });
  }
  return held;
}

/** An active rule at its current version, as auto-classify evaluates it. */
export interface ActiveRule {
  ruleId: string;
  classificationId: string;
  dbType: DbType;
  version: number;
  expression: DslRule;
}

/** An active account of the instance and its latest facts (undefined: none collected yet). */
export interface ClassifiedAccount {
  accountId: string;
  username: string;
  facts: PermissionFacts | undefined;
}

/** What went wrong with one rule on this instance: its code, how many accounts, one path as an example. */
export interface RuleReport {
  ruleId: string;
  ruleVersion: number;
  code: DslError['code'];
  accounts: number;
  path: string;
  message: string;
}

export interface InstanceClassification {
  added: AssignmentEntry[];
  removed: RemovedAssignment[];
  /** Accounts evaluated (active ones). */
  evaluated: number;
  /** Rules evaluated (active, of the instance's engine). */
  rules: number;
  /** Auto assignments that hold after the change, per rule. */
  hits: Record<string, number>;
  /** Rule errors, per rule and code (defect 12: reported and counted, never skipped silently). */
  reports: RuleReport[];
  /** Accounts with no facts yet (PERMISSION_FACTS_MISSING): they keep what they had. */
  factsMissing: string[];
}

/**
 * Evaluates every rule of the instance's engine against every active account and returns the difference
 * against `current`: auto assignments a match lacks are added, auto ones that no longer hold are removed
 * (a new version of their rule replaces them: removed as rule_versioned, added at the new version). Manual
 * assignments are never touched. An account whose evaluation of a rule reported errors (facts missing
 * included) keeps that rule's assignment as it is, neither added nor removed: the run does not know.
 */
export function classifyInstance(input: {
  dbType: DbType;
  accounts: readonly ClassifiedAccount[];
  rules: readonly ActiveRule[];
  current: ReadonlyMap<string, HeldAssignment>;
}): InstanceClassification {
  const rules = input.rules.filter((r) => r.dbType === input.dbType);
  const desired = new Map<string, AssignmentEntry>();
  const undecided = new Set<string>(); // assignment ids (without version) the run cannot judge
  const reports = new Map<string, RuleReport>();
  const factsMissing: string[] = [];
  const active = new Set<string>();
  for (const account of input.accounts) {
    active.add(account.accountId);
    // The ids are computed only where they are needed (a hash each): for matches and undecided pairs.
    const idOf = (rule: ActiveRule) => assignmentId(account.accountId, rule.classificationId, rule.ruleId);
    if (!account.facts) {
      factsMissing.push(account.username);
      for (const rule of rules) undecided.add(idOf(rule));
      continue;
    }
    const judge = evaluator(account.facts);
    for (const rule of rules) {
      const { matched, errors } = judge(rule.expression);
      if (errors.length > 0) {
        undecided.add(idOf(rule));
        for (const err of errors) {
          const key = `${rule.ruleId}/${err.code}`;
          const report = reports.get(key);
          if (report) report.accounts++;
          else
            reports.set(key, {
              ruleId: rule.ruleId,
              ruleVersion: rule.version,
              code: err.code,
              accounts: 1,
              path: err.path,
              message: err.message,
            });
        }
        continue;
      }
      if (!matched) continue;
      const id = idOf(rule);
      desired.set(id, {
        assignmentId: id,
        accountId: account.accountId,
        username: account.username,
        classificationId: rule.classificationId,
        assignmentType: 'auto',
        ruleId: rule.ruleId,
        ruleVersion: rule.version,
      });
    }
  }
  const ruleVersions = new Map(rules.map((r) => [r.ruleId, r.version]));
  const added: AssignmentEntry[] = [];
  const removed: RemovedAssignment[] = [];
  const hits: Record<string, number> = {};
  for (const held of input.current.values()) {
    if (held.assignmentType !== 'auto') continue;
    const { assignedAt: _a, sessionId: _s, eventId: _e, ...entry } = held;
    const want = desired.get(held.assignmentId);
    const version = held.ruleId ? ruleVersions.get(held.ruleId) : undefined;
    let reason: RemovedAssignment['reason'] | undefined;
    if (!active.has(held.accountId)) reason = 'account_inactive';
    else if (version === undefined) reason = 'rule_inactive';
    else if (undecided.has(held.assignmentId)) reason = undefined;
    else if (!want) reason = 'no_longer_matches';
    else if (want.ruleVersion !== held.ruleVersion) reason = 'rule_versioned';
    if (reason) removed.push({ ...entry, reason });
    else if (held.ruleId) hits[held.ruleId] = (hits[held.ruleId] ?? 0) + 1;
  }
  const removedIds = new Set(removed.map((r) => r.assignmentId));
  for (const want of desired.values()) {
    const held = input.current.get(want.assignmentId);
    if (held && !removedIds.has(want.assignmentId)) continue;
    added.push(want);
    hits[want.ruleId!] = (hits[want.ruleId!] ?? 0) + 1;
  }
  const order = (a: AssignmentEntry, b: AssignmentEntry) =>
    a.username.localeCompare(b.username) || a.assignmentId.localeCompare(b.assignmentId);
  return {
    added: added.sort(order),
    removed: removed.sort(order),
    evaluated: input.accounts.length,
    rules: rules.length,
    hits,
    reports: [...reports.values()],
    factsMissing: factsMissing.sort(),
  };
}
