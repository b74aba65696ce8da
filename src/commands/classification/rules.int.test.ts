// Rule writes on real PostgreSQL: versioning (every expression edit a RuleVersioned with the whole
// expression; the same canonical expression appends nothing), EXPRESSION_DUPLICATED within a classification
// and db type (also for two creates at once), delete, the active rules auto-classify reads, and the
// write-side tables equal to the streams after each step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal } from '../../../test/support/caught.js';
import { ruleStream } from '../../domain/classification/events.js';
import type { AppError } from '../../domain/errors.js';
import {
  classificationWrites,
  expectIndexesMatchStreams,
  userCtx as ctx,
  type ClassificationWrites,
} from '../../../test/support/classificationWrites.js';
import { makeCreateClassification, makeUpdateClassification } from './classifications.js';
import { activeRules, makeCreateRule, makeDeleteRule, makeUpdateRule } from './rules.js';

const role = (name: string) => ({ version: 4, expr: { fn: 'has_role', args: { name } } });
const both = (a: string, b: string) => ({
  version: 4,
  expr: { op: 'AND', args: [role(a).expr, role(b).expr] },
});
describe('rule writes', () => {
  let w: ClassificationWrites;
  let createRule: ReturnType<typeof makeCreateRule>;
  let updateRule: ReturnType<typeof makeUpdateRule>;
  let deleteRule: ReturnType<typeof makeDeleteRule>;
  let classificationId: string;
  const newClassification = async (name: string) =>
    (
      await makeCreateClassification(w.deps)(
        { name, description: '', riskLevel: 'high', color: '#fff', priority: 1 },
        ctx,
      )
    ).id;
  const events = async (id: string) =>
    (await w.store.readStream(ruleStream(id))).map((e) => ({ type: e.type, data: e.data }));

  beforeAll(async () => {
    w = await classificationWrites();
    createRule = makeCreateRule(w.deps);
    updateRule = makeUpdateRule(w.deps);
    deleteRule = makeDeleteRule(w.deps);
    classificationId = await newClassification('DBAs');
  });
  afterAll(() => w.close());

  it('versions every expression edit with the whole expression; the same canonical one appends nothing', async () => {
    const { id } = await createRule(
      { classificationId, dbType: 'mysql', ruleName: 'dba', expression: role('dba') },
      ctx,
    );
    await updateRule({ ruleId: id, changes: { expression: both('dba', 'ops') } }, ctx);
    await updateRule({ ruleId: id, changes: { expression: role('admin'), ruleName: 'admins' } }, ctx);
    // Key order, operator case, absent args: the same canonical expression, nothing appended.
    const same = { expr: { args: { name: 'admin' }, fn: 'has_role' }, version: 4 };
    expect(await updateRule({ ruleId: id, changes: { expression: same, ruleName: 'admins' } }, ctx)).toEqual({
      id,
      position: null,
    });
    expect(await events(id)).toEqual([
      {
        type: 'RuleCreated',
        data: {
          ruleId: id,
          classificationId,
          dbType: 'mysql',
          ruleName: 'dba',
          expression: role('dba'),
          version: 1,
        },
      },
      { type: 'RuleVersioned', data: { ruleId: id, version: 2, expression: both('dba', 'ops') } },
      { type: 'RuleVersioned', data: { ruleId: id, version: 3, expression: role('admin') } },
      { type: 'RuleUpdated', data: { ruleId: id, changes: { ruleName: 'admins' } } },
    ]);
    const [row] = await w.db.knex('classification_rule_index').where({ rule_id: id });
    expect(row).toMatchObject({ version: 3, expression: role('admin'), is_active: true });
    await expectIndexesMatchStreams(w);
  });

  it('refuses an expression a live rule of the classification and db type has; other db types and classifications are fine', async () => {
    const expression = role('reporting');
    const { id } = await createRule(
      { classificationId, dbType: 'postgresql', ruleName: 'a', expression },
      ctx,
    );
    const lowerOps = { version: 4, expr: { args: { name: 'reporting' }, fn: 'has_role' } };
    expect(
      (
        await refusal(
          createRule({ classificationId, dbType: 'postgresql', ruleName: 'b', expression: lowerOps }, ctx),
        )
      ).code,
    ).toBe('EXPRESSION_DUPLICATED');
    // An inactive rule still holds its expression.
    await updateRule({ ruleId: id, changes: { isActive: false } }, ctx);
    const { id: other } = await createRule(
      { classificationId, dbType: 'postgresql', ruleName: 'b', expression: role('x') },
      ctx,
    );
    expect((await refusal(updateRule({ ruleId: other, changes: { expression } }, ctx))).code).toBe(
      'EXPRESSION_DUPLICATED',
    );
    await createRule({ classificationId, dbType: 'oracle', ruleName: 'c', expression }, ctx);
    await createRule(
      { classificationId: await newClassification('Other'), dbType: 'postgresql', ruleName: 'd', expression },
      ctx,
    );
    // Deleted, the expression is free again.
    await deleteRule({ ruleId: id }, ctx);
    await updateRule({ ruleId: other, changes: { expression } }, ctx);
    expect((await events(id)).map((e) => e.type)).toEqual(['RuleCreated', 'RuleUpdated', 'RuleDeleted']);
    expect(await w.db.knex('classification_rule_index').where({ rule_id: id })).toEqual([]);
    expect((await refusal(updateRule({ ruleId: id, changes: { isActive: true } }, ctx))).code).toBe(
      'CONSTRAINT_VIOLATION',
    );
    await expectIndexesMatchStreams(w);
  });

  it('two creates of the same expression at once: one is EXPRESSION_DUPLICATED', async () => {
    for (let i = 0; i < 5; i++) {
      const expression = role(`race-${i}`);
      const results = await Promise.allSettled([
        createRule({ classificationId, dbType: 'sqlserver', ruleName: 'x', expression }, ctx),
        createRule(
          { classificationId, dbType: 'sqlserver', ruleName: 'y', expression: { ...expression } },
          ctx,
        ),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const lost = results.find((r) => r.status === 'rejected')!;
      expect((lost.reason as AppError).code).toBe('EXPRESSION_DUPLICATED');
    }
    await expectIndexesMatchStreams(w);
  });

  it('two edits at once both land, the second decided on the version the first left', async () => {
    const { id } = await createRule(
      { classificationId, dbType: 'mysql', ruleName: 'edits', expression: role('e0') },
      ctx,
    );
    await Promise.all([
      updateRule({ ruleId: id, changes: { expression: role('e1') } }, ctx),
      updateRule({ ruleId: id, changes: { expression: role('e2') } }, ctx),
    ]);
    const versions = (await events(id)).slice(1).map((e) => (e.data as { version: number }).version);
    expect(versions).toEqual([2, 3]);
    await expectIndexesMatchStreams(w);
  });

  it('refuses an invalid expression and an unknown rule', async () => {
    const bad = { version: 4, expr: { fn: 'has_role', args: {} } };
    expect(
      (await refusal(createRule({ classificationId, dbType: 'mysql', ruleName: 'z', expression: bad }, ctx)))
        .code,
    ).toBe('INVALID_DSL_EXPRESSION');
    const unknown = '00000000-0000-4000-8000-0000000000ee';
    expect((await refusal(updateRule({ ruleId: unknown, changes: { ruleName: 'q' } }, ctx))).code).toBe(
      'RESOURCE_NOT_FOUND',
    );
    expect((await refusal(deleteRule({ ruleId: unknown }, ctx))).code).toBe('RESOURCE_NOT_FOUND');
  });

  it('activeRules: active rules of active classifications, at their version, by rule id', async () => {
    const a = await newClassification('Active one');
    const b = await newClassification('Inactive one');
    const r1 = await createRule(
      { classificationId: a, dbType: 'mysql', ruleName: '1', expression: role('one') },
      ctx,
    );
    const r2 = await createRule(
      { classificationId: a, dbType: 'oracle', ruleName: '2', expression: role('two') },
      ctx,
    );
    await updateRule({ ruleId: r2.id, changes: { expression: role('two-b') } }, ctx);
    const r3 = await createRule(
      { classificationId: a, dbType: 'mysql', ruleName: '3', expression: role('three') },
      ctx,
    );
    await updateRule({ ruleId: r3.id, changes: { isActive: false } }, ctx);
    await createRule({ classificationId: b, dbType: 'mysql', ruleName: '4', expression: role('four') }, ctx);
    await makeUpdateClassification(w.deps)({ classificationId: b, changes: { isActive: false } }, ctx);

    const mine = (await activeRules(w.db.knex)).filter(
      (r) => r.classificationId === a || r.classificationId === b,
    );
    expect(mine).toEqual(
      [
        { ruleId: r1.id, classificationId: a, dbType: 'mysql', version: 1, expression: role('one') },
        { ruleId: r2.id, classificationId: a, dbType: 'oracle', version: 2, expression: role('two-b') },
      ].sort((x, y) => (x.ruleId < y.ruleId ? -1 : 1)),
    );
    const all = (await activeRules(w.db.knex)).map((r) => r.ruleId);
    expect(all).toEqual([...all].sort());
    await expectIndexesMatchStreams(w);
  });
});
