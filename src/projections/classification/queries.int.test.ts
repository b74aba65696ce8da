// The classification queries over what test/support/classificationScenario.ts leaves (plus 'locked
// accounts' deactivated at the end), with the instances, accounts and both classification projections
// caught up: the lists and their filters, the ledger helpers, the statistics and the trend.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  classificationScenario,
  classificationTimes as t,
} from '../../../test/support/classificationScenario.js';
import { projectionSpec } from '../../../test/support/projectionSpec.js';
import { classificationStream } from '../../domain/classification/events.js';
import { createLogger } from '../../logger.js';
import { accountsProjection } from '../accounts/projection.js';
import { instancesProjection } from '../instances/projection.js';
import { ProjectionRunner } from '../runner.js';
import { classificationAssignmentsProjection } from './assignmentsProjection.js';
import { classificationsProjection } from './catalogProjection.js';
import {
  classificationById,
  classificationStatistics,
  classificationStatisticsByDbType,
  classificationSummary,
  classificationTrend,
  classificationsOfAccounts,
  listAssignments,
  listClassifications,
  listRules,
  ruleById,
  ruleStatistics,
  ruleVersions,
  whereClassified,
} from './queries.js';

describe('classification queries', () => {
  const spec = projectionSpec(classificationsProjection);
  const scenario = classificationScenario(spec);
  const { ids, accounts: acc } = scenario;
  const page = { page: 1, limit: 10 };
  beforeAll(async () => {
    await scenario.appendAll();
    await spec.append(
      classificationStream(ids.locked),
      'ClassificationUpdated',
      { classificationId: ids.locked, changes: { isActive: false } },
      { occurredAt: t.t3d },
    );
    for (const projection of [
      instancesProjection,
      accountsProjection,
      classificationsProjection,
      classificationAssignmentsProjection,
    ])
      await spec.catchUp(
        new ProjectionRunner({
          projection,
          store: spec.raw,
          knex: spec.db.knex,
          logger: createLogger({ level: 'silent' }),
          decode: spec.decode,
        }),
      );
  });

  it('listClassifications: by priority, active ones unless asked, with active rules and accounts', async () => {
    const view = (list: Awaited<ReturnType<typeof listClassifications>>) =>
      list.map((c) => [c.name, c.risk_level, c.rule_count, c.account_count]);
    expect(view(await listClassifications(spec.db.knex))).toEqual([
      ['super user', 'critical', 2, 2],
      ['grant administrators', 'high', 1, 1],
      ['audit watch', 'medium', 0, 2],
    ]);
    expect(view(await listClassifications(spec.db.knex, { include_inactive: true }))).toEqual([
      ['super user', 'critical', 2, 2],
      ['grant administrators', 'high', 1, 1],
      ['audit watch', 'medium', 0, 2],
      ['locked accounts', 'low', 0, 0],
    ]);
    expect(await classificationById(spec.db.knex, ids.gone)).toBeUndefined();
    expect(await classificationById(spec.db.knex, ids.grant)).toEqual({
      id: ids.grant,
      name: 'grant administrators',
      description: 'grant admin accounts',
      risk_level: 'high',
      color: '#90',
      priority: 90,
      is_system: false,
      is_active: true,
      rule_count: 1,
      account_count: 1,
      created_at: t.t0,
      updated_at: t.t2r,
    });
  });

  it('listRules, ruleById, ruleVersions', async () => {
    const names = async (filters: Parameters<typeof listRules>[1], paging = page) => {
      const r = await listRules(spec.db.knex, filters, paging);
      return { total: r.total, names: r.items.map((i) => i.rule_name) };
    };
    expect(await names({})).toEqual({
      total: 4,
      names: ['mysql grant', 'mysql locked', 'mysql super', 'pg super'],
    });
    expect(await names({ classification_id: ids.super })).toEqual({
      total: 2,
      names: ['mysql super', 'pg super'],
    });
    expect(await names({ db_type: 'mysql', is_active: true })).toEqual({
      total: 2,
      names: ['mysql grant', 'mysql super'],
    });
    expect(await names({ is_active: false })).toEqual({ total: 1, names: ['mysql locked'] });
    expect(await names({}, { page: 2, limit: 3 })).toEqual({ total: 4, names: ['pg super'] });
    expect(await ruleById(spec.db.knex, ids.dropped)).toBeUndefined();
    expect(await ruleById(spec.db.knex, ids.grantMy)).toMatchObject({
      classification_name: 'grant administrators',
      db_type: 'mysql',
      version: 2,
      updated_at: t.t2v,
    });
    const versions = await ruleVersions(spec.db.knex, ids.grantMy);
    expect(versions?.map((v) => [v.version, v.created_at, v.created_by])).toEqual([
      [2, t.t2v, 'user:admin-1'],
      [1, t.t0, 'system:seed'],
    ]);
    expect(await ruleVersions(spec.db.knex, ids.dropped)).toHaveLength(1);
    expect(await ruleVersions(spec.db.knex, randomUUID())).toBeUndefined();
  });

  it('listAssignments: filters, joined names, paging', async () => {
    const view = async (filters: Parameters<typeof listAssignments>[1], paging = page) => {
      const r = await listAssignments(spec.db.knex, filters, paging);
      return { total: r.total, items: r.items.map((i) => `${i.username} ${i.classification_name}`) };
    };
    expect(await view({})).toEqual({
      total: 5,
      items: [
        'alice audit watch',
        'app@% audit watch',
        'postgres super user',
        'root@localhost grant administrators',
        'root@localhost super user',
      ],
    });
    expect(await view({ classification_id: ids.watch })).toMatchObject({ total: 2 });
    expect(await view({ instance_id: ids.p1 })).toMatchObject({ total: 2 });
    expect(await view({ account_id: acc.root, assignment_type: 'auto' })).toMatchObject({ total: 2 });
    expect(await view({ assignment_type: 'manual' }, { page: 2, limit: 1 })).toEqual({
      total: 2,
      items: ['app@% audit watch'],
    });
    const [postgres] = (await listAssignments(spec.db.knex, { account_id: acc.postgres }, page)).items;
    expect(postgres).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      account_id: acc.postgres,
      instance_id: ids.p1,
      instance_name: 'p1',
      username: 'postgres',
      db_type: 'postgresql',
      account_is_active: true,
      classification_id: ids.super,
      classification_name: 'super user',
      risk_level: 'critical',
      color: '#100',
      assignment_type: 'auto',
      rule_id: ids.superPg,
      rule_version: 1,
      session_id: ids.s1,
      assigned_at: t.t1b,
      assigned_by: 'scheduler:classify',
    });
  });

  it('classificationsOfAccounts and whereClassified: what the ledger shows and filters', async () => {
    const of = await classificationsOfAccounts(spec.db.knex, [acc.root, acc.app, acc.locked, acc.root]);
    expect(Object.fromEntries([...of].map(([k, v]) => [k, v.map((c) => c.name)]))).toEqual({
      [acc.root]: ['super user', 'grant administrators'],
      [acc.app]: ['audit watch'],
    });
    expect(of.get(acc.app)).toEqual([
      { id: ids.watch, name: 'audit watch', risk_level: 'medium', color: '#50' },
    ]);
    const ledger = (filters: Parameters<typeof whereClassified>[2]) =>
      whereClassified(spec.db.knex({ a: 'instance_accounts' }), spec.db.knex, filters)
        .orderBy('a.username')
        .pluck('a.username');
    expect(await ledger({ risk_level: 'critical' })).toEqual(['postgres', 'root@localhost']);
    expect(await ledger({ classification_id: ids.watch })).toEqual(['alice', 'app@%']);
    expect(await ledger({ classification_id: ids.watch, risk_level: 'critical' })).toEqual([]);
    // A floor: high lists the critical ones too, low every classified account.
    expect(await ledger({ risk_level: 'high' })).toEqual(['postgres', 'root@localhost']);
    expect(await ledger({ risk_level: 'low' })).toEqual(['alice', 'app@%', 'postgres', 'root@localhost']);
    expect(await ledger({})).toHaveLength(5);
  });

  it('statistics: summary, by db type, per classification, rule hits', async () => {
    const summary = await classificationSummary(spec.db.knex);
    expect(summary).toMatchObject({
      total_accounts: 5,
      classified_accounts: 4,
      by_risk_level: { critical: 2, high: 1, medium: 2, low: 0 },
    });
    expect(
      summary.classifications.map((c) => [
        c.name,
        c.accounts,
        c.auto_assignments,
        c.manual_assignments,
        c.rule_count,
      ]),
    ).toEqual([
      ['super user', 2, 2, 0, 2],
      ['grant administrators', 1, 1, 0, 1],
      ['audit watch', 2, 0, 2, 0],
      ['locked accounts', 0, 0, 0, 0],
    ]);
    expect(await classificationStatistics(spec.db.knex)).toEqual(summary.classifications);
    expect(await classificationStatisticsByDbType(spec.db.knex)).toEqual([
      {
        db_type: 'mysql',
        classified_accounts: 2,
        assignments: 3,
        by_risk_level: { critical: 1, high: 1, medium: 1, low: 0 },
      },
      {
        db_type: 'postgresql',
        classified_accounts: 2,
        assignments: 2,
        by_risk_level: { critical: 1, high: 0, medium: 1, low: 0 },
      },
    ]);
    const hits = await ruleStatistics(spec.db.knex);
    expect(hits.map((h) => [h.rule_name, h.hits])).toEqual([
      ['mysql grant', 1],
      ['mysql super', 1],
      ['pg super', 1],
      ['mysql locked', 0],
    ]);
  });

  it('trend: figures on each period last day, carried forward over days without a change', async () => {
    const daily = await classificationTrend(spec.db.knex, {
      period_type: 'daily',
      start_date: '2026-11-19',
      end_date: '2026-11-24',
    });
    const series = (trend: typeof daily) =>
      Object.fromEntries(trend.series.map((s) => [s.name, s.points.map((p) => p.accounts)]));
    expect(series(daily)).toEqual({
      'super user': [0, 2, 2, 2, 2, 2],
      'grant administrators': [0, 2, 1, 1, 1, 1],
      'audit watch': [0, 1, 1, 1, 2, 2],
      'locked accounts': [0, 1, 1, 1, 0, 0],
    });
    const weekly = await classificationTrend(spec.db.knex, {
      period_type: 'weekly',
      classification_id: ids.watch,
    });
    expect(weekly).toMatchObject({ start_date: '2026-09-07', end_date: '2026-11-23' });
    expect(weekly.series).toHaveLength(1);
    expect(weekly.series[0]!.points.slice(-2)).toEqual([
      { period_start: '2026-11-16', period_end: '2026-11-22', accounts: 1, assignments: 1 },
      { period_start: '2026-11-23', period_end: '2026-11-29', accounts: 2, assignments: 2 },
    ]);
    expect(weekly.series[0]!.points).toHaveLength(12);
    const gone = await classificationTrend(spec.db.knex, {
      period_type: 'monthly',
      classification_id: ids.gone,
      end_date: '2026-12-31',
    });
    expect(gone.series[0]!.points.map((p) => [p.period_start, p.accounts])).toContainEqual(['2026-12-01', 0]);
  });
});
