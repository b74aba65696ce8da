// The as-of queries over the events of test/support/classificationScenario.ts: an account's classifications
// at a moment (which rule version, which run, the names as they were), and a classification's members at a
// moment over every instance (a deleted one included).
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  classificationScenario,
  classificationTimes as t,
} from '../../../test/support/classificationScenario.js';
import { projectionSpec } from '../../../test/support/projectionSpec.js';
import { createLogger } from '../../logger.js';
import { accountsProjection } from '../accounts/projection.js';
import { instancesProjection } from '../instances/projection.js';
import { ProjectionRunner } from '../runner.js';
import { classificationsAsOf, membersAsOf } from './asOf.js';

const after = (iso: string, seconds = 1) => new Date(new Date(iso).getTime() + seconds * 1000);
const before = (iso: string) => after(iso, -1);

describe('classification as-of queries', () => {
  const spec = projectionSpec(instancesProjection);
  const scenario = classificationScenario(spec);
  const { ids, accounts: acc } = scenario;
  const page = { page: 1, limit: 10 };
  beforeAll(async () => {
    await scenario.appendAll();
    for (const projection of [instancesProjection, accountsProjection])
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

  const held = async (accountId: string, at: Date) =>
    (await classificationsAsOf(spec.store, spec.db.knex, accountId, at))!.items.map(
      (i) =>
        `${i.name} v${i.rule_version ?? '-'} ${i.session_id === null ? 'manual' : i.session_id === ids.s1 ? 's1' : 's2'}`,
    );

  it('classificationsAsOf: nothing before the first run, version 1 after it, version 2 after the edit', async () => {
    expect(await held(acc.root, before(t.t1))).toEqual([]);
    expect(await held(acc.root, after(t.t1))).toEqual(['grant admin v1 s1', 'super user v1 s1']);
    expect(await held(acc.root, after(t.t2))).toEqual(['grant admin v2 s2', 'super user v1 s1']);
    expect(await held(acc.root, after(t.t2r))).toEqual(['grant administrators v2 s2', 'super user v1 s1']);
    expect(await held(acc.app, after(t.t1))).toEqual(['grant admin v1 s1']);
    expect(await held(acc.app, after(t.t2))).toEqual([]);
    expect(await held(acc.app, after(t.t3m))).toEqual(['audit watch v- manual']);
  });

  it('classificationsAsOf: the whole answer; undefined for an unknown account', async () => {
    const answer = await classificationsAsOf(spec.store, spec.db.knex, acc.root, after(t.t2));
    expect(answer).toEqual({
      account_id: acc.root,
      instance_id: ids.m1,
      username: 'root@localhost',
      as_of: after(t.t2).toISOString(),
      items: [
        {
          classification_id: ids.grant,
          name: 'grant admin',
          risk_level: 'high',
          color: '#90',
          deleted: false,
          assignment_id: scenario.entry(acc.root, ids.grant, ids.grantMy).assignmentId,
          assignment_type: 'auto',
          rule_id: ids.grantMy,
          rule_version: 2,
          rule_name: 'mysql grant',
          session_id: ids.s2,
          assigned_at: t.t2,
        },
        expect.objectContaining({ name: 'super user', rule_id: ids.superMy, assigned_at: t.t1 }),
      ],
    });
    expect(await classificationsAsOf(spec.store, spec.db.knex, randomUUID(), new Date())).toBeUndefined();
    await expect(
      classificationsAsOf(spec.store, spec.db.knex, acc.root, new Date('soon')),
    ).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
    });
  });

  it('membersAsOf: the accounts holding it at that moment, over every instance, paged', async () => {
    const members = async (classificationId: string, at: Date, paging = page) => {
      const r = await membersAsOf(spec.store, spec.db.knex, classificationId, at, paging);
      return { total: r.total, names: r.items.map((m) => `${m.instance_name}/${m.username}`) };
    };
    expect(await members(ids.grant, after(t.t1))).toEqual({
      total: 2,
      names: ['m1/app@%', 'm1/root@localhost'],
    });
    expect(await members(ids.grant, after(t.t2))).toEqual({ total: 1, names: ['m1/root@localhost'] });
    // p1 was deleted at t3d: its accounts still count for a moment after that.
    expect(await members(ids.super, after(t.t3d))).toEqual({
      total: 2,
      names: ['p1/postgres', 'm1/root@localhost'],
    });
    expect(await members(ids.super, after(t.t3d), { page: 2, limit: 1 })).toEqual({
      total: 2,
      names: ['m1/root@localhost'],
    });
    expect(await members(ids.watch, before(t.t1c))).toEqual({ total: 0, names: [] });
    const locked = await membersAsOf(spec.store, spec.db.knex, ids.locked, after(t.t1), page);
    expect(locked.classification).toEqual({
      classification_id: ids.locked,
      name: 'locked accounts',
      risk_level: 'low',
      color: '#10',
      deleted: false,
    });
    expect(locked.items[0]!.assignments).toEqual([
      {
        assignment_id: scenario.entry(acc.locked, ids.locked, ids.lockedMy).assignmentId,
        assignment_type: 'auto',
        rule_id: ids.lockedMy,
        rule_version: 1,
        session_id: ids.s1,
        assigned_at: t.t1,
      },
    ]);
    expect(
      (await membersAsOf(spec.store, spec.db.knex, randomUUID(), new Date(), page)).classification,
    ).toBeNull();
    expect(
      (await membersAsOf(spec.store, spec.db.knex, ids.gone, new Date(), page)).classification,
    ).toMatchObject({ deleted: true });
  });
});
