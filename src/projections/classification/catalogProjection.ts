// The `classifications` projection: classifications, classification_rules and classification_rule_versions
// from the classification-{id} and rule-{id} streams. A batch loads the rows its events touch, folds them in
// log order in memory (catalogFold.ts) and writes each changed row once.
import type { Projection } from '../projection.js';
import { json, selectWhereIn, upsertRows } from '../rows.js';
import {
  type ClassificationRow,
  type RuleRow,
  catalogIds,
  classificationEventTypes,
  foldCatalog,
  ruleEventTypes,
} from './catalogFold.js';

const classificationColumns = [
  'id',
  'name',
  'description',
  'risk_level',
  'color',
  'priority',
  'is_system',
  'is_active',
  'created_at',
  'updated_at',
  'deleted_at',
];
const ruleColumns = [
  'id',
  'classification_id',
  'db_type',
  'rule_name',
  'expression',
  'version',
  'is_active',
  'created_at',
  'updated_at',
  'deleted_at',
];
// Times are read back as text so that rewriting a loaded row keeps microseconds (see rows.selectList).
const timeColumns = new Set(['created_at', 'updated_at', 'deleted_at']);

export const classificationsProjection: Projection = {
  name: 'classifications',
  tables: ['classifications', 'classification_rules', 'classification_rule_versions'],
  eventTypes: [...classificationEventTypes, ...ruleEventTypes],
  apply: async ({ trx, table }, events) => {
    const ids = catalogIds(events);
    const classifications = new Map<string, ClassificationRow>();
    for (const row of await selectWhereIn<ClassificationRow>(
      trx,
      table('classifications'),
      'id',
      ids.classifications,
      classificationColumns,
      timeColumns,
    ))
      classifications.set(row.id, row);
    const rules = new Map<string, RuleRow>();
    for (const row of await selectWhereIn<RuleRow>(
      trx,
      table('classification_rules'),
      'id',
      ids.rules,
      ruleColumns,
      timeColumns,
    ))
      rules.set(row.id, row);

    const changed = foldCatalog({ classifications, rules }, events);
    await upsertRows(
      trx,
      table('classifications'),
      changed.classifications as unknown as Record<string, unknown>[],
      ['id'],
    );
    await upsertRows(
      trx,
      table('classification_rules'),
      changed.rules.map((r) => ({ ...r, expression: json(r.expression) })),
      ['id'],
    );
    await upsertRows(
      trx,
      table('classification_rule_versions'),
      changed.versions.map((v) => ({ ...v, expression: json(v.expression) })),
      ['rule_id', 'version'],
    );
  },
};
