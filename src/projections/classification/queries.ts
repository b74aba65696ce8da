// Reads of the classification tables for the API: classifications (with their active rules and accounts),
// rules and their versions. Assignments and the ledger helpers are in assignmentQueries.ts, the statistics
// in statistics.ts and trend.ts, the as-of reads over events in asOf.ts; all are re-exported here.
import type { Knex } from 'knex';
import type { Paging } from '../../domain/paging.js';
import type { DslRule } from '../../domain/classification/dsl.js';
import type { RiskLevel } from '../../domain/classification/events.js';
import { paged } from '../paging.js';

export * from './assignmentQueries.js';
export * from './statistics.js';
export * from './trend.js';
export * from './asOf.js';

interface ClassificationDbRow {
  id: string;
  name: string;
  description: string;
  risk_level: RiskLevel;
  color: string;
  priority: number;
  is_system: boolean;
  is_active: boolean;
  created_at: Date;
  updated_at: Date;
  rule_count: number;
  account_count: number;
}

/** Active rules (not deleted) and distinct accounts assigned, per classification. */
const classificationSelect = (knex: Knex) =>
  knex({ c: 'classifications' })
    .whereNull('c.deleted_at')
    .select(
      'c.id',
      'c.name',
      'c.description',
      'c.risk_level',
      'c.color',
      'c.priority',
      'c.is_system',
      'c.is_active',
      'c.created_at',
      'c.updated_at',
      knex.raw(
        `(SELECT count(*)::int FROM classification_rules r
           WHERE r.classification_id = c.id AND r.is_active AND r.deleted_at IS NULL) AS rule_count`,
      ),
      knex.raw(
        `(SELECT count(DISTINCT x.account_id)::int FROM account_classification_assignments x
           WHERE x.classification_id = c.id) AS account_count`,
      ),
    );

const classificationToApi = (r: ClassificationDbRow) => ({
  id: r.id,
  name: r.name,
  description: r.description,
  risk_level: r.risk_level,
  color: r.color,
  priority: r.priority,
  is_system: r.is_system,
  is_active: r.is_active,
  rule_count: r.rule_count,
  account_count: r.account_count,
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
});
export type ClassificationApi = ReturnType<typeof classificationToApi>;

export interface ClassificationFilters {
  /** Also list deactivated classifications (default: active ones only). Deleted ones are never listed. */
  include_inactive?: boolean | undefined;
}

/** Classifications (not deleted), highest priority first, then by name, with rule_count and account_count. */
export async function listClassifications(
  knex: Knex,
  filters: ClassificationFilters = {},
): Promise<ClassificationApi[]> {
  const q = classificationSelect(knex);
  if (!filters.include_inactive) q.where('c.is_active', true);
  const rows = (await q.orderBy([
    { column: 'c.priority', order: 'desc' },
    { column: 'c.name', order: 'asc' },
    { column: 'c.id', order: 'asc' },
  ])) as ClassificationDbRow[];
  return rows.map(classificationToApi);
}

/** One classification (active or not), or undefined when there is none or it was deleted. */
export async function classificationById(knex: Knex, id: string): Promise<ClassificationApi | undefined> {
  const row = (await classificationSelect(knex).where('c.id', id).first()) as ClassificationDbRow | undefined;
  return row && classificationToApi(row);
}

interface RuleDbRow {
  id: string;
  classification_id: string;
  classification_name: string | null;
  db_type: string;
  rule_name: string;
  expression: DslRule;
  version: number;
  is_active: boolean;
  created_at: Date;
  updated_at: Date;
}

const ruleColumns = [
  'r.id',
  'r.classification_id',
  'c.name as classification_name',
  'r.db_type',
  'r.rule_name',
  'r.expression',
  'r.version',
  'r.is_active',
  'r.created_at',
  'r.updated_at',
];

const ruleToApi = (r: RuleDbRow) => ({
  id: r.id,
  classification_id: r.classification_id,
  classification_name: r.classification_name,
  db_type: r.db_type,
  rule_name: r.rule_name,
  expression: r.expression,
  version: r.version,
  is_active: r.is_active,
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
});
export type RuleApi = ReturnType<typeof ruleToApi>;

export interface RuleFilters {
  classification_id?: string | undefined;
  db_type?: string | undefined;
  is_active?: boolean | undefined;
}

/** Rules (not deleted) by classification name, db type, rule name, with the total that matches. */
export async function listRules(
  knex: Knex,
  filters: RuleFilters,
  paging: Paging,
): Promise<{ total: number; items: RuleApi[] }> {
  const q = knex({ r: 'classification_rules' }).whereNull('r.deleted_at');
  if (filters.classification_id) q.where('r.classification_id', filters.classification_id);
  if (filters.db_type) q.where('r.db_type', filters.db_type);
  if (filters.is_active !== undefined) q.where('r.is_active', filters.is_active);
  const { total, rows } = await paged<RuleDbRow>(q, paging, {
    order: [
      { column: 'c.name', order: 'asc' },
      { column: 'r.db_type', order: 'asc' },
      { column: 'r.rule_name', order: 'asc' },
      { column: 'r.id', order: 'asc' },
    ],
    columns: ruleColumns,
    join: (page) => page.leftJoin({ c: 'classifications' }, 'c.id', 'r.classification_id'),
  });
  return { total, items: rows.map(ruleToApi) };
}

/** One rule at its current version, or undefined when there is none or it was deleted. */
export async function ruleById(knex: Knex, id: string): Promise<RuleApi | undefined> {
  const row = await knex({ r: 'classification_rules' })
    .leftJoin({ c: 'classifications' }, 'c.id', 'r.classification_id')
    .where('r.id', id)
    .whereNull('r.deleted_at')
    .first<RuleDbRow | undefined>(...ruleColumns);
  return row && ruleToApi(row);
}

interface VersionDbRow {
  rule_id: string;
  version: number;
  expression: DslRule;
  created_at: Date;
  created_by: string;
  event_id: string;
}

/**
 * Every version of a rule, newest first (a deleted rule's too), each with the actor (`kind:id`) and event
 * that wrote it; undefined when no such rule was ever created.
 */
export async function ruleVersions(knex: Knex, ruleId: string) {
  const rule = await knex('classification_rules')
    .where({ id: ruleId })
    .first<{ id: string } | undefined>('id');
  if (!rule) return undefined;
  const rows = (await knex('classification_rule_versions')
    .where({ rule_id: ruleId })
    .orderBy('version', 'desc')) as VersionDbRow[];
  return rows.map((r) => ({
    rule_id: r.rule_id,
    version: r.version,
    expression: r.expression,
    created_at: r.created_at.toISOString(),
    created_by: r.created_by,
    event_id: r.event_id,
  }));
}
