// The pure fold of classification and rule events over the rows a batch has loaded: what classifications,
// classification_rules and classification_rule_versions receive. Times come from the events only (a
// deletion is deleted_at, the row stays); every version of a rule (RuleCreated is version 1, then each
// RuleVersioned) is one row naming the actor that wrote it.
import type { Actor, RecordedEvent } from '../../domain/events/envelope.js';
import type { ClassificationChanges } from '../../domain/classification/classificationDecider.js';
import type { RuleEvent } from '../../domain/classification/ruleDecider.js';
import type { DslRule } from '../../domain/classification/dsl.js';
import type { RiskLevel } from '../../domain/classification/events.js';

export interface ClassificationRow {
  id: string;
  name: string;
  description: string;
  risk_level: RiskLevel;
  color: string;
  priority: number;
  is_system: boolean;
  is_active: boolean;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface RuleRow {
  id: string;
  classification_id: string;
  db_type: string;
  rule_name: string;
  expression: DslRule;
  version: number;
  is_active: boolean;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface RuleVersionRow {
  rule_id: string;
  version: number;
  expression: DslRule;
  created_at: string;
  created_by: string;
  event_id: string;
}

/** The rows a batch has loaded (and the fold changes in place), by id. */
export interface CatalogTables {
  classifications: Map<string, ClassificationRow>;
  rules: Map<string, RuleRow>;
}

export const classificationEventTypes = [
  'ClassificationCreated',
  'ClassificationUpdated',
  'ClassificationDeleted',
] as const;
export const ruleEventTypes = ['RuleCreated', 'RuleVersioned', 'RuleUpdated', 'RuleDeleted'] as const;

/** An actor as the read tables name it: `kind:id`. */
export const actorName = (actor: Actor): string => `${actor.kind}:${actor.id}`;

const classificationColumns: Record<keyof ClassificationChanges, keyof ClassificationRow> = {
  name: 'name',
  description: 'description',
  riskLevel: 'risk_level',
  color: 'color',
  priority: 'priority',
  isActive: 'is_active',
};

/** The ids a batch touches: the rows to load before folding. */
export function catalogIds(events: readonly RecordedEvent[]): { classifications: string[]; rules: string[] } {
  const classifications = new Set<string>();
  const rules = new Set<string>();
  for (const e of events) {
    const d = e.data as { classificationId?: string; ruleId?: string };
    if (d.ruleId) rules.add(d.ruleId);
    else if (d.classificationId) classifications.add(d.classificationId);
  }
  return { classifications: [...classifications], rules: [...rules] };
}

/**
 * Folds events in log order over the loaded rows; returns the changed rows (each once) and the new
 * versions. An event about a row the tables do not hold (its creation was never seen) changes nothing.
 */
export function foldCatalog(
  tables: CatalogTables,
  events: readonly RecordedEvent[],
): { classifications: ClassificationRow[]; rules: RuleRow[]; versions: RuleVersionRow[] } {
  const changedClassifications = new Map<string, ClassificationRow>();
  const changedRules = new Map<string, RuleRow>();
  const versions = new Map<string, RuleVersionRow>();
  const version = (e: RecordedEvent, ruleId: string, n: number, expression: DslRule) =>
    versions.set(`${ruleId}/${n}`, {
      rule_id: ruleId,
      version: n,
      expression,
      created_at: e.metadata.occurredAt,
      created_by: actorName(e.metadata.actor),
      event_id: e.eventId,
    });

  for (const e of events) {
    const at = e.metadata.occurredAt;
    switch (e.type) {
      case 'ClassificationCreated': {
        const d = e.data as {
          classificationId: string;
          name: string;
          description: string;
          riskLevel: RiskLevel;
          color: string;
          priority: number;
          isSystem: boolean;
        };
        const row: ClassificationRow = {
          id: d.classificationId,
          name: d.name,
          description: d.description,
          risk_level: d.riskLevel,
          color: d.color,
          priority: d.priority,
          is_system: d.isSystem,
          is_active: true,
          created_at: at,
          updated_at: at,
          deleted_at: null,
        };
        tables.classifications.set(row.id, row);
        changedClassifications.set(row.id, row);
        break;
      }
      case 'ClassificationUpdated':
      case 'ClassificationDeleted': {
        const d = e.data as { classificationId: string; changes?: ClassificationChanges };
        const row = tables.classifications.get(d.classificationId);
        if (!row) break;
        const target = row as unknown as Record<string, unknown>;
        for (const [k, v] of Object.entries(d.changes ?? {})) {
          const column = classificationColumns[k as keyof ClassificationChanges];
          if (column && v !== undefined) target[column] = v;
        }
        row.updated_at = at;
        if (e.type === 'ClassificationDeleted') row.deleted_at = at;
        changedClassifications.set(row.id, row);
        break;
      }
      case 'RuleCreated': {
        const d = e.data as Extract<RuleEvent, { type: 'RuleCreated' }>['data'];
        const row: RuleRow = {
          id: d.ruleId,
          classification_id: d.classificationId,
          db_type: d.dbType,
          rule_name: d.ruleName,
          expression: d.expression,
          version: d.version,
          is_active: true,
          created_at: at,
          updated_at: at,
          deleted_at: null,
        };
        tables.rules.set(row.id, row);
        changedRules.set(row.id, row);
        version(e, row.id, row.version, row.expression);
        break;
      }
      case 'RuleVersioned':
      case 'RuleUpdated':
      case 'RuleDeleted': {
        const d = e.data as {
          ruleId: string;
          version?: number;
          expression?: DslRule;
          changes?: { ruleName?: string; isActive?: boolean };
        };
        const row = tables.rules.get(d.ruleId);
        if (!row) break;
        if (e.type === 'RuleVersioned' && d.version !== undefined && d.expression !== undefined) {
          row.version = d.version;
          row.expression = d.expression;
          version(e, row.id, d.version, d.expression);
        }
        if (d.changes?.ruleName !== undefined) row.rule_name = d.changes.ruleName;
        if (d.changes?.isActive !== undefined) row.is_active = d.changes.isActive;
        row.updated_at = at;
        if (e.type === 'RuleDeleted') row.deleted_at = at;
        changedRules.set(row.id, row);
        break;
      }
    }
  }
  return {
    classifications: [...changedClassifications.values()],
    rules: [...changedRules.values()],
    versions: [...versions.values()],
  };
}
