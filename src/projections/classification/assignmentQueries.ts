// Reads of account_classification_assignments: the assignments list, each account's classifications for
// the ledger rows, and the filter the accounts ledger applies for classification_id / risk_level; and an
// account's instance and username (what a manual assignment names it by).
import type { Knex } from 'knex';
import type { AssignmentType } from '../../domain/classification/assignments.js';
import { riskLevels, type RiskLevel } from '../../domain/classification/events.js';
import type { Paging } from '../../domain/paging.js';
import { paged } from '../paging.js';

export interface AssignmentFilters {
  /** One assignment (the answer of a manual assign). */
  id?: string | undefined;
  classification_id?: string | undefined;
  instance_id?: string | undefined;
  account_id?: string | undefined;
  assignment_type?: AssignmentType | undefined;
}

interface AssignmentDbRow {
  id: string;
  account_id: string;
  instance_id: string;
  instance_name: string | null;
  username: string;
  db_type: string | null;
  account_is_active: boolean | null;
  classification_id: string;
  classification_name: string | null;
  risk_level: RiskLevel | null;
  color: string | null;
  assignment_type: AssignmentType;
  rule_id: string | null;
  rule_version: number | null;
  session_id: string | null;
  assigned_at: Date;
  assigned_by: string;
}

const assignmentToApi = (r: AssignmentDbRow) => ({
  id: r.id,
  account_id: r.account_id,
  instance_id: r.instance_id,
  instance_name: r.instance_name,
  username: r.username,
  db_type: r.db_type,
  account_is_active: r.account_is_active,
  classification_id: r.classification_id,
  classification_name: r.classification_name,
  risk_level: r.risk_level,
  color: r.color,
  assignment_type: r.assignment_type,
  rule_id: r.rule_id,
  rule_version: r.rule_version,
  session_id: r.session_id,
  assigned_at: r.assigned_at.toISOString(),
  assigned_by: r.assigned_by,
});
export type AssignmentApi = ReturnType<typeof assignmentToApi>;

/**
 * Assignments that hold now, by username, instance, classification name, with the classification's name,
 * risk level and color, the account's instance, db type and whether it is active (null: not in
 * instance_accounts), and the total that matches.
 */
export async function listAssignments(
  knex: Knex,
  filters: AssignmentFilters,
  paging: Paging,
): Promise<{ total: number; items: AssignmentApi[] }> {
  const q = knex({ x: 'account_classification_assignments' });
  if (filters.id) q.where('x.id', filters.id);
  if (filters.classification_id) q.where('x.classification_id', filters.classification_id);
  if (filters.instance_id) q.where('x.instance_id', filters.instance_id);
  if (filters.account_id) q.where('x.account_id', filters.account_id);
  if (filters.assignment_type) q.where('x.assignment_type', filters.assignment_type);
  const { total, rows } = await paged<AssignmentDbRow>(q, paging, {
    order: [
      { column: 'x.username', order: 'asc' },
      { column: 'x.instance_id', order: 'asc' },
      { column: 'c.name', order: 'asc' },
      { column: 'x.id', order: 'asc' },
    ],
    columns: [
      'x.*',
      'i.name as instance_name',
      'a.db_type',
      'a.is_active as account_is_active',
      'c.name as classification_name',
      'c.risk_level',
      'c.color',
    ],
    join: (page) =>
      page
        .leftJoin({ c: 'classifications' }, 'c.id', 'x.classification_id')
        .leftJoin({ a: 'instance_accounts' }, 'a.id', 'x.account_id')
        .leftJoin({ i: 'instances' }, 'i.id', 'x.instance_id'),
  });
  return { total, items: rows.map(assignmentToApi) };
}

/** The instance and username of an account of the inventory (deleted ones too), or undefined. */
export async function accountIdentity(
  knex: Knex,
  accountId: string,
): Promise<{ instance_id: string; username: string } | undefined> {
  return knex('instance_accounts')
    .where({ id: accountId })
    .first<{ instance_id: string; username: string } | undefined>('instance_id', 'username');
}

/** A classification as a ledger row names it. */
export interface AccountClassification {
  id: string;
  name: string;
  risk_level: RiskLevel;
  color: string;
}

/**
 * The classifications each account holds now (once per classification, however many rules decided it;
 * deleted classifications left out), highest priority first, then by name. Accounts holding none are
 * absent from the map.
 */
export async function classificationsOfAccounts(
  knex: Knex,
  accountIds: readonly string[],
): Promise<Map<string, AccountClassification[]>> {
  const out = new Map<string, AccountClassification[]>();
  const ids = [...new Set(accountIds)];
  for (let i = 0; i < ids.length; i += 5_000) {
    const rows = (await knex({ x: 'account_classification_assignments' })
      .join({ c: 'classifications' }, 'c.id', 'x.classification_id')
      .whereNull('c.deleted_at')
      .whereIn('x.account_id', ids.slice(i, i + 5_000))
      .distinct('x.account_id', 'c.id', 'c.name', 'c.risk_level', 'c.color', 'c.priority')
      .orderBy([
        { column: 'x.account_id', order: 'asc' },
        { column: 'c.priority', order: 'desc' },
        { column: 'c.name', order: 'asc' },
        { column: 'c.id', order: 'asc' },
      ])) as (AccountClassification & { account_id: string; priority: number })[];
    for (const r of rows) {
      const list = out.get(r.account_id) ?? [];
      list.push({ id: r.id, name: r.name, risk_level: r.risk_level, color: r.color });
      out.set(r.account_id, list);
    }
  }
  return out;
}

export interface ClassifiedFilters {
  classification_id?: string | undefined;
  risk_level?: RiskLevel | undefined;
}

/**
 * A sub-query of the ids of accounts holding a classification that matches (this classification, and/or
 * one of this risk level or above; deleted classifications never match), for `whereIn('a.id', ...)`.
 */
export function classifiedAccountIds(knex: Knex, filters: ClassifiedFilters): Knex.QueryBuilder {
  const q = knex({ x: 'account_classification_assignments' })
    .join({ c: 'classifications' }, 'c.id', 'x.classification_id')
    .whereNull('c.deleted_at')
    .distinct('x.account_id');
  if (filters.classification_id) q.where('x.classification_id', filters.classification_id);
  // A risk level is a floor: `high` is every account holding a high or critical classification.
  if (filters.risk_level) q.whereIn('c.risk_level', riskLevels.slice(riskLevels.indexOf(filters.risk_level)));
  return q;
}

/**
 * Narrows a query over instance_accounts to the accounts that match `filters` (nothing changes when
 * neither is given). `accountIdColumn`: the account id column of the query (the ledger's 'a.id').
 */
export function whereClassified(
  q: Knex.QueryBuilder,
  knex: Knex,
  filters: ClassifiedFilters,
  accountIdColumn = 'a.id',
): Knex.QueryBuilder {
  if (!filters.classification_id && !filters.risk_level) return q;
  return q.whereIn(accountIdColumn, classifiedAccountIds(knex, filters));
}
