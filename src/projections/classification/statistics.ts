// Classification statistics over the assignments that hold now: the summary (classified accounts, per risk
// level, per classification), by db type, per classification, and rule hits. The trend over days is in
// trend.ts (from the daily statistics).
import type { Knex } from 'knex';
import type { RiskLevel } from '../../domain/classification/events.js';

type ByRisk = Record<RiskLevel, number>;
const zeroByRisk = (): ByRisk => ({ low: 0, medium: 0, high: 0, critical: 0 });

interface ClassificationFigures {
  classification_id: string;
  name: string;
  risk_level: RiskLevel;
  color: string;
  priority: number;
  is_active: boolean;
  /** Distinct accounts holding it. */
  accounts: number;
  assignments: number;
  auto_assignments: number;
  manual_assignments: number;
  /** Active rules. */
  rule_count: number;
}

/** Every classification (not deleted), highest priority first, with what holds it now. */
export async function classificationStatistics(knex: Knex): Promise<ClassificationFigures[]> {
  const rows = (await knex({ c: 'classifications' })
    .whereNull('c.deleted_at')
    .select('c.id as classification_id', 'c.name', 'c.risk_level', 'c.color', 'c.priority', 'c.is_active')
    .select(
      knex.raw(`(SELECT count(DISTINCT x.account_id)::int FROM account_classification_assignments x
        WHERE x.classification_id = c.id) AS accounts`),
      knex.raw(`(SELECT count(*)::int FROM account_classification_assignments x
        WHERE x.classification_id = c.id) AS assignments`),
      knex.raw(`(SELECT count(*)::int FROM account_classification_assignments x
        WHERE x.classification_id = c.id AND x.assignment_type = 'auto') AS auto_assignments`),
      knex.raw(`(SELECT count(*)::int FROM classification_rules r
        WHERE r.classification_id = c.id AND r.is_active AND r.deleted_at IS NULL) AS rule_count`),
    )
    .orderBy([
      { column: 'c.priority', order: 'desc' },
      { column: 'c.name', order: 'asc' },
      { column: 'c.id', order: 'asc' },
    ])) as Omit<ClassificationFigures, 'manual_assignments'>[];
  return rows.map((r) => ({ ...r, manual_assignments: r.assignments - r.auto_assignments }));
}

/** Distinct accounts per risk level (an account counts once per level it holds), over live classifications. */
async function accountsByRisk(knex: Knex, groupByDbType: boolean) {
  const q = knex({ x: 'account_classification_assignments' })
    .join({ c: 'classifications' }, 'c.id', 'x.classification_id')
    .leftJoin({ a: 'instance_accounts' }, 'a.id', 'x.account_id')
    .whereNull('c.deleted_at')
    .select('c.risk_level', knex.raw('count(DISTINCT x.account_id)::int AS accounts'));
  if (groupByDbType)
    q.select(knex.raw(`coalesce(a.db_type, 'unknown') AS db_type`)).groupByRaw(
      `coalesce(a.db_type, 'unknown'), c.risk_level`,
    );
  else q.groupBy('c.risk_level');
  const rows = (await q) as {
    db_type?: string;
    risk_level: RiskLevel;
    accounts: number;
  }[];
  return rows;
}

/**
 * The summary: active accounts in the inventory, accounts holding at least one classification, distinct
 * accounts per risk level (one account may count at several levels), and every classification's figures.
 */
export async function classificationSummary(knex: Knex) {
  const [{ total }] = (await knex('instance_accounts').where({ is_active: true }).count({ total: '*' })) as [
    { total: string },
  ];
  const [{ classified }] = (await knex({ x: 'account_classification_assignments' })
    .join({ c: 'classifications' }, 'c.id', 'x.classification_id')
    .whereNull('c.deleted_at')
    .select(knex.raw('count(DISTINCT x.account_id)::int AS classified'))) as [{ classified: number }];
  const byRisk = zeroByRisk();
  for (const r of await accountsByRisk(knex, false)) byRisk[r.risk_level] = r.accounts;
  return {
    total_accounts: Number(total),
    classified_accounts: classified,
    by_risk_level: byRisk,
    classifications: await classificationStatistics(knex),
  };
}

/** Per db type: accounts holding a classification, assignments, and distinct accounts per risk level. */
export async function classificationStatisticsByDbType(knex: Knex) {
  const totals = (await knex({ x: 'account_classification_assignments' })
    .join({ c: 'classifications' }, 'c.id', 'x.classification_id')
    .leftJoin({ a: 'instance_accounts' }, 'a.id', 'x.account_id')
    .whereNull('c.deleted_at')
    .select(knex.raw(`coalesce(a.db_type, 'unknown') AS db_type`))
    .select(
      knex.raw('count(DISTINCT x.account_id)::int AS classified_accounts'),
      knex.raw('count(*)::int AS assignments'),
    )
    .groupByRaw(`coalesce(a.db_type, 'unknown')`)
    .orderBy('db_type')) as { db_type: string; classified_accounts: number; assignments: number }[];
  const byRisk = new Map<string, ByRisk>();
  for (const r of await accountsByRisk(knex, true)) {
    const levels = byRisk.get(r.db_type!) ?? zeroByRisk();
    levels[r.risk_level] = r.accounts;
    byRisk.set(r.db_type!, levels);
  }
  return totals.map((t) => ({ ...t, by_risk_level: byRisk.get(t.db_type) ?? zeroByRisk() }));
}

/** Every rule (not deleted) with its hits: the auto assignments it decided that hold now. */
export async function ruleStatistics(knex: Knex) {
  return (await knex({ r: 'classification_rules' })
    .leftJoin({ c: 'classifications' }, 'c.id', 'r.classification_id')
    .whereNull('r.deleted_at')
    .select(
      'r.id as rule_id',
      'r.rule_name',
      'r.db_type',
      'r.version',
      'r.is_active',
      'r.classification_id',
      'c.name as classification_name',
      'c.risk_level',
    )
    .select(
      knex.raw(`(SELECT count(*)::int FROM account_classification_assignments x
        WHERE x.rule_id = r.id AND x.assignment_type = 'auto') AS hits`),
    )
    .orderBy([
      { column: 'hits', order: 'desc' },
      { column: 'c.name', order: 'asc' },
      { column: 'r.rule_name', order: 'asc' },
      { column: 'r.id', order: 'asc' },
    ])) as {
    rule_id: string;
    rule_name: string;
    db_type: string;
    version: number;
    is_active: boolean;
    classification_id: string;
    classification_name: string | null;
    risk_level: RiskLevel | null;
    hits: number;
  }[];
}
