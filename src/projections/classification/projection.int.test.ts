// The classification projections over the scenario of test/support/classificationScenario.ts, applied one
// event per batch: the rows of every table, the daily statistics (the figures after each day's last
// change, no row for a day without one), and the live tables equal to a rebuild (one batch for the whole
// log: a batch of several events of a day gives what one event at a time gave).
import { describe, expect, it } from 'vitest';
import {
  classificationScenario,
  classificationTimes as t,
  expressions,
} from '../../../test/support/classificationScenario.js';
import { projectionSpec } from '../../../test/support/projectionSpec.js';
import { expectRebuildMatchesLive } from '../../../test/support/readTables.js';
import { ProjectionRunner } from '../runner.js';
import { createLogger } from '../../logger.js';
import { classificationAssignmentsProjection } from './assignmentsProjection.js';
import { classificationsProjection } from './catalogProjection.js';

const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : d);

describe('classification projections', () => {
  const spec = projectionSpec(classificationAssignmentsProjection);
  const scenario = classificationScenario(spec);
  const { ids, accounts: acc } = scenario;
  const catalogRunner = () =>
    new ProjectionRunner({
      projection: classificationsProjection,
      store: spec.raw,
      knex: spec.db.knex,
      logger: createLogger({ level: 'silent' }),
      decode: spec.decode,
      batchSize: 1,
    });

  it('classifications: rows with their changes, deletion as deleted_at', async () => {
    await scenario.appendAll();
    await spec.catchUp(catalogRunner());
    const rows = await spec.db.knex('classifications').orderBy('priority', 'desc');
    expect(
      rows.map((r: Record<string, unknown>) => [r.name, r.risk_level, r.is_system, iso(r.deleted_at)]),
    ).toEqual([
      ['super user', 'critical', true, null],
      ['grant administrators', 'high', false, null],
      ['audit watch', 'medium', false, null],
      ['locked accounts', 'low', false, null],
      ['gone', 'low', false, t.t0],
    ]);
    const grant = rows.find((r: { id: string }) => r.id === ids.grant);
    expect({ created: iso(grant.created_at), updated: iso(grant.updated_at) }).toEqual({
      created: t.t0,
      updated: t.t2r,
    });
  });

  it('rules at their current version, and one version row per RuleCreated and RuleVersioned', async () => {
    const rules = await spec.db.knex('classification_rules').orderBy('rule_name');
    expect(
      rules.map((r: Record<string, unknown>) => [r.rule_name, r.version, r.is_active, r.deleted_at !== null]),
    ).toEqual([
      ['mysql grant', 2, true, false],
      ['mysql locked', 1, false, false],
      ['mysql super', 1, true, false],
      ['pg grant', 1, true, true],
      ['pg super', 1, true, false],
    ]);
    expect(rules.find((r: { id: string }) => r.id === ids.grantMy).expression).toEqual(
      expressions.grantAdmin2,
    );
    const versions = await spec.db
      .knex('classification_rule_versions')
      .where({ rule_id: ids.grantMy })
      .orderBy('version');
    expect(
      versions.map((v: Record<string, unknown>) => [
        v.version,
        v.expression,
        iso(v.created_at),
        v.created_by,
      ]),
    ).toEqual([
      [1, expressions.grantAdmin, t.t0, 'system:seed'],
      [2, expressions.grantAdmin2, t.t2v, 'user:admin-1'],
    ]);
    expect(await spec.db.knex('classification_rule_versions').count({ n: '*' })).toEqual([{ n: '6' }]);
  });

  it('assignments that hold now: removed first, then added, with the run, the time and the actor', async () => {
    await spec.catchUp(spec.runner({ batchSize: 1 }));
    const rows = await spec.db
      .knex('account_classification_assignments')
      .orderBy(['username', 'classification_id']);
    const view = rows.map((r: Record<string, unknown>) => ({
      account: r.account_id,
      classification: r.classification_id,
      type: r.assignment_type,
      rule: r.rule_id,
      version: r.rule_version,
      session: r.session_id,
      at: iso(r.assigned_at),
      by: r.assigned_by,
    }));
    const expected = [
      {
        account: acc.alice,
        classification: ids.watch,
        type: 'manual',
        rule: null,
        version: null,
        session: null,
        at: t.t1c,
        by: 'user:admin-1',
      },
      {
        account: acc.app,
        classification: ids.watch,
        type: 'manual',
        rule: null,
        version: null,
        session: null,
        at: t.t3m,
        by: 'user:admin-1',
      },
      {
        account: acc.postgres,
        classification: ids.super,
        type: 'auto',
        rule: ids.superPg,
        version: 1,
        session: ids.s1,
        at: t.t1b,
        by: 'scheduler:classify',
      },
      {
        account: acc.root,
        classification: ids.grant,
        type: 'auto',
        rule: ids.grantMy,
        version: 2,
        session: ids.s2,
        at: t.t2,
        by: 'scheduler:classify',
      },
      {
        account: acc.root,
        classification: ids.super,
        type: 'auto',
        rule: ids.superMy,
        version: 1,
        session: ids.s1,
        at: t.t1,
        by: 'scheduler:classify',
      },
    ];
    expect(view).toEqual(expect.arrayContaining(expected));
    expect(view).toHaveLength(expected.length);
  });

  it('daily statistics: the figures after the last change of each day, only for what the day touched', async () => {
    const days = await spec.db
      .knex('classification_daily_stats')
      .select(spec.db.knex.raw('stat_date::text AS day'), 'classification_id', 'accounts', 'assignments')
      .orderBy(['stat_date', 'classification_id']);
    const name: Record<string, string> = {
      [ids.super]: 'super',
      [ids.grant]: 'grant',
      [ids.locked]: 'locked',
      [ids.watch]: 'watch',
    };
    const view = days.map(
      (d: { day: string; classification_id: string; accounts: number; assignments: number }) =>
        `${d.day} ${name[d.classification_id]} ${d.accounts}/${d.assignments}`,
    );
    expect(view.sort()).toEqual(
      [
        '2026-11-20 super 2/2',
        '2026-11-20 grant 2/2',
        '2026-11-20 locked 1/1',
        '2026-11-20 watch 1/1',
        '2026-11-21 grant 1/1',
        '2026-11-23 locked 0/0',
        '2026-11-23 watch 2/2',
      ].sort(),
    );
    const hits = await spec.db
      .knex('classification_rule_daily_stats')
      .select(spec.db.knex.raw('stat_date::text AS day'), 'rule_id', 'classification_id', 'hits');
    const rule: Record<string, string> = {
      [ids.superMy]: 'superMy',
      [ids.superPg]: 'superPg',
      [ids.grantMy]: 'grantMy',
      [ids.lockedMy]: 'lockedMy',
    };
    expect(
      hits
        .map((h: { day: string; rule_id: string; hits: number }) => `${h.day} ${rule[h.rule_id]} ${h.hits}`)
        .sort(),
    ).toEqual(
      [
        '2026-11-20 superMy 1',
        '2026-11-20 superPg 1',
        '2026-11-20 grantMy 2',
        '2026-11-20 lockedMy 1',
        '2026-11-21 grantMy 1',
        '2026-11-23 lockedMy 0',
      ].sort(),
    );
    expect(hits.find((h: { rule_id: string }) => h.rule_id === ids.grantMy).classification_id).toBe(
      ids.grant,
    );
  });

  it('live tables (one event per batch) equal a rebuild from events (the whole log in one batch)', async () => {
    await expectRebuildMatchesLive({
      knex: spec.db.knex,
      store: spec.raw,
      projections: [classificationsProjection, classificationAssignmentsProjection],
      decode: spec.decode,
    });
  });
});
