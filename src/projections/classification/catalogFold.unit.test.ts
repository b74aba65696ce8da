// The pure fold of classification and rule events: rows as the tables receive them, versions with their
// actor, deletions as deleted_at, events about unknown rows ignored.
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import { recorded } from '../../../test/support/eventFactory.js';
import { catalogIds, foldCatalog, type CatalogTables } from './catalogFold.js';

const t = (minute: number) => `2026-03-01T10:${String(minute).padStart(2, '0')}:00.123456Z`;
const C = '00000000-0000-4000-8000-00000000000c';
const R = '00000000-0000-4000-8000-00000000000a';
const v4 = (name: string) => ({ version: 4, expr: { fn: 'has_capability', args: { name } } });

function given(tables: CatalogTables, ...events: [string, unknown, number][]) {
  const log: RecordedEvent[] = events.map(([type, data, minute], n) => recorded(n, type, data, t(minute)));
  return { log, changed: foldCatalog(tables, log) };
}
const empty = (): CatalogTables => ({ classifications: new Map(), rules: new Map() });

const created: [string, unknown, number] = [
  'ClassificationCreated',
  {
    classificationId: C,
    name: 'super user',
    description: 'd',
    riskLevel: 'critical',
    color: 'red',
    priority: 100,
    isSystem: true,
  },
  0,
];
const ruleCreated: [string, unknown, number] = [
  'RuleCreated',
  {
    ruleId: R,
    classificationId: C,
    dbType: 'mysql',
    ruleName: 'super',
    expression: v4('SUPERUSER'),
    version: 1,
  },
  1,
];

describe('foldCatalog', () => {
  it('creates a classification active, at its event time, and applies updates field by field', () => {
    const tables = empty();
    const { changed } = given(tables, created, [
      'ClassificationUpdated',
      { classificationId: C, changes: { riskLevel: 'high', isActive: false, color: 'orange' } },
      2,
    ]);
    expect(changed.classifications).toEqual([
      {
        id: C,
        name: 'super user',
        description: 'd',
        risk_level: 'high',
        color: 'orange',
        priority: 100,
        is_system: true,
        is_active: false,
        created_at: t(0),
        updated_at: t(2),
        deleted_at: null,
      },
    ]);
  });

  it('deletes by deleted_at and keeps the row', () => {
    const tables = empty();
    given(tables, created, ['ClassificationDeleted', { classificationId: C }, 3]);
    expect(tables.classifications.get(C)).toMatchObject({
      deleted_at: t(3),
      updated_at: t(3),
      name: 'super user',
    });
  });

  it('writes version 1 at RuleCreated and one version per RuleVersioned, naming the actor kind:id', () => {
    const tables = empty();
    const { changed, log } = given(
      tables,
      ruleCreated,
      ['RuleVersioned', { ruleId: R, version: 2, expression: v4('GRANT_ADMIN') }, 2],
      ['RuleUpdated', { ruleId: R, changes: { ruleName: 'renamed', isActive: false } }, 3],
    );
    expect(changed.rules).toEqual([
      {
        id: R,
        classification_id: C,
        db_type: 'mysql',
        rule_name: 'renamed',
        expression: v4('GRANT_ADMIN'),
        version: 2,
        is_active: false,
        created_at: t(1),
        updated_at: t(3),
        deleted_at: null,
      },
    ]);
    expect(changed.versions).toEqual([
      {
        rule_id: R,
        version: 1,
        expression: v4('SUPERUSER'),
        created_at: t(1),
        created_by: 'user:u-1',
        event_id: log[0]!.eventId,
      },
      {
        rule_id: R,
        version: 2,
        expression: v4('GRANT_ADMIN'),
        created_at: t(2),
        created_by: 'user:u-1',
        event_id: log[1]!.eventId,
      },
    ]);
  });

  it('continues from loaded rows (a later batch) and deletes a rule by deleted_at', () => {
    const tables = empty();
    given(tables, ruleCreated);
    const { changed } = given(tables, ['RuleDeleted', { ruleId: R }, 4]);
    expect(changed.rules).toMatchObject([{ id: R, deleted_at: t(4), version: 1, rule_name: 'super' }]);
    expect(changed.versions).toEqual([]);
  });

  it('ignores events about rows it never saw created', () => {
    const { changed } = given(
      empty(),
      ['ClassificationUpdated', { classificationId: C, changes: { name: 'x' } }, 1],
      ['RuleVersioned', { ruleId: R, version: 2, expression: v4('LOCKED') }, 2],
    );
    expect(changed).toEqual({ classifications: [], rules: [], versions: [] });
  });

  it('catalogIds: rule events name rules, classification events classifications', () => {
    const { log } = given(empty(), created, ruleCreated);
    expect(catalogIds(log)).toEqual({ classifications: [C], rules: [R] });
  });
});
