// The system classifications seed on real PostgreSQL: the first run creates three system classifications
// with one rule per engine each (stable ids, actor system/seed); a second run, and two runs at once, append
// nothing more; a rule an administrator deleted stays deleted; a name a user took is reported, not fought.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classificationStream, ruleStream } from '../../domain/classification/events.js';
import { dbTypes } from '../../domain/engines/model.js';
import {
  classificationWrites,
  expectIndexesMatchStreams,
  type ClassificationWrites,
} from '../../../test/support/classificationWrites.js';
import type { CommandContext } from '../commandContext.js';
import { makeCreateClassification } from './classifications.js';
import { activeRules, makeDeleteRule } from './rules.js';
import {
  seedSystemClassifications,
  SYSTEM_CLASSIFICATIONS,
  systemClassificationId,
  systemRuleId,
} from './seed.js';

const ctx: CommandContext = {
  actor: { kind: 'system', id: 'seed' },
  correlationId: 'seed',
  now: new Date('2026-12-02T10:00:00Z'),
};

describe('seedSystemClassifications', () => {
  let w: ClassificationWrites;
  const seed = () => seedSystemClassifications(w.deps, ctx);
  const eventCount = async () => Number((await w.db.knex('events').count({ n: '*' }))[0]!.n);
  const everyStream = SYSTEM_CLASSIFICATIONS.flatMap(({ key }) => [
    classificationStream(systemClassificationId(key)),
    ...dbTypes.map((t) => ruleStream(systemRuleId(key, t))),
  ]);

  beforeEach(async () => {
    w = await classificationWrites();
  });
  afterEach(() => w.close());

  it('creates the system classifications and a rule per engine; a second run is a no-op', async () => {
    const first = await seed();
    expect(first.nameConflicts).toEqual([]);
    expect([...first.created].sort()).toEqual([...everyStream].sort());
    for (const { key, name, riskLevel, expression } of SYSTEM_CLASSIFICATIONS) {
      const id = systemClassificationId(key);
      const [created] = await w.store.readStream(classificationStream(id));
      expect(created).toMatchObject({
        type: 'ClassificationCreated',
        data: { classificationId: id, name, riskLevel, isSystem: true },
        metadata: { actor: { kind: 'system', id: 'seed' } },
      });
      for (const dbType of dbTypes) {
        const [rule] = await w.store.readStream(ruleStream(systemRuleId(key, dbType)));
        expect(rule).toMatchObject({
          type: 'RuleCreated',
          data: { classificationId: id, dbType, expression, version: 1 },
        });
      }
    }
    expect(await activeRules(w.db.knex)).toHaveLength(SYSTEM_CLASSIFICATIONS.length * dbTypes.length);
    await expectIndexesMatchStreams(w);

    const count = await eventCount();
    expect(await seed()).toEqual({ created: [], nameConflicts: [] });
    expect(await eventCount()).toBe(count);
  });

  it('processes seeding at once: everything exists once, none fails', async () => {
    const results = await Promise.all([seed(), seed(), seed()]);
    expect(results.flatMap((r) => r.created).sort()).toEqual([...everyStream].sort());
    expect(await eventCount()).toBe(everyStream.length);
    await expectIndexesMatchStreams(w);
  });

  it('leaves a deleted system rule deleted, and reports a name a user holds without creating it', async () => {
    await makeCreateClassification(w.deps)(
      { name: 'Locked Accounts', description: '', riskLevel: 'low', color: '#000', priority: 1 },
      { ...ctx, actor: { kind: 'user', id: 'admin' } },
    );
    const first = await seed();
    expect(first.nameConflicts).toEqual(['locked accounts']);
    expect(first.created).toHaveLength(2 * (1 + dbTypes.length));
    const ruleId = systemRuleId('super_user', 'mysql');
    await makeDeleteRule(w.deps)({ ruleId }, ctx);
    expect(await seed()).toEqual({ created: [], nameConflicts: ['locked accounts'] });
    expect((await w.store.readStream(ruleStream(ruleId))).map((e) => e.type)).toEqual([
      'RuleCreated',
      'RuleDeleted',
    ]);
    await expectIndexesMatchStreams(w);
  });
});
