// Classification writes on real PostgreSQL: create, rename, (de)activate, delete; names unique in any case
// (a deleted one's name free again); system ones neither renamed nor deleted; a classification with an
// active rule or an assignment not deleted, and a rule create racing a delete either counted or refused.
// After each step the write-side tables say what the streams say.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal } from '../../../test/support/caught.js';
import type { ClassificationFields } from '../../domain/classification/classificationDecider.js';
import { classificationStream } from '../../domain/classification/events.js';
import type { AppError } from '../../domain/errors.js';
import {
  classificationWrites,
  expectIndexesMatchStreams,
  userCtx as ctx,
  type ClassificationWrites,
} from '../../../test/support/classificationWrites.js';
import {
  createClassificationWithId,
  makeCreateClassification,
  makeDeleteClassification,
  makeUpdateClassification,
} from './classifications.js';
import { makeCreateRule, makeUpdateRule } from './rules.js';

const fields = (name: string): ClassificationFields => ({
  name,
  description: '',
  riskLevel: 'medium',
  color: '#123456',
  priority: 5,
});
const rule = { version: 4, expr: { fn: 'has_role', args: { name: 'dba' } } };
describe('classification writes', () => {
  let w: ClassificationWrites;
  let create: ReturnType<typeof makeCreateClassification>;
  let update: ReturnType<typeof makeUpdateClassification>;
  let remove: ReturnType<typeof makeDeleteClassification>;
  const types = async (id: string) => (await w.store.readStream(classificationStream(id))).map((e) => e.type);

  beforeAll(async () => {
    w = await classificationWrites();
    create = makeCreateClassification(w.deps);
    update = makeUpdateClassification(w.deps);
    remove = makeDeleteClassification(w.deps);
  });
  afterAll(() => w.close());

  it('creates, renames and deactivates; the index rows and the name go with the events', async () => {
    const { id, position } = await create(fields('Prod Admins'), ctx);
    expect(position).toBeDefined();
    const [created] = await w.store.readStream(classificationStream(id));
    expect(created).toMatchObject({
      type: 'ClassificationCreated',
      data: { classificationId: id, ...fields('Prod Admins'), isSystem: false },
      metadata: { actor: ctx.actor },
    });
    await expectIndexesMatchStreams(w);

    await update({ classificationId: id, changes: { name: 'Production Admins', priority: 7 } }, ctx);
    await update({ classificationId: id, changes: { isActive: false } }, ctx);
    expect(await w.db.knex('classification_index').where({ classification_id: id })).toEqual([
      { classification_id: id, is_active: false },
    ]);
    // The same values again: nothing appended.
    expect(await update({ classificationId: id, changes: { priority: 7, isActive: false } }, ctx)).toEqual({
      id,
      position: null,
    });
    expect(await types(id)).toEqual([
      'ClassificationCreated',
      'ClassificationUpdated',
      'ClassificationUpdated',
    ]);
    await expectIndexesMatchStreams(w);
    // The old name is free again.
    await create(fields('prod admins'), ctx);
    await expectIndexesMatchStreams(w);
  });

  it('refuses a taken name in any case and spacing, on create and on rename; a case-only rename is fine', async () => {
    const { id } = await create(fields('Readers'), ctx);
    const { id: other } = await create(fields('Writers'), ctx);
    for (const name of ['readers', 'READERS', '  Readers '])
      expect((await refusal(create(fields(name), ctx))).code).toBe('NAME_EXISTS');
    expect((await refusal(update({ classificationId: other, changes: { name: 'rEaDeRs' } }, ctx))).code).toBe(
      'NAME_EXISTS',
    );
    await update({ classificationId: id, changes: { name: 'READERS' } }, ctx);
    expect(await types(other)).toEqual(['ClassificationCreated']);
    await expectIndexesMatchStreams(w);
  });

  it('two creates of one name at once: one wins, the other is NAME_EXISTS', async () => {
    const results = await Promise.allSettled([create(fields('Racers'), ctx), create(fields('RACERS'), ctx)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const lost = results.find((r) => r.status === 'rejected')!;
    expect((lost.reason as AppError).code).toBe('NAME_EXISTS');
    await expectIndexesMatchStreams(w);
  });

  it('a system classification is neither renamed nor deleted, but its other fields change', async () => {
    const id = '00000000-0000-4000-8000-0000000000aa';
    await createClassificationWithId(w.deps, { ...fields('Sys'), classificationId: id, isSystem: true }, ctx);
    expect((await refusal(update({ classificationId: id, changes: { name: 'Sys2' } }, ctx))).code).toBe(
      'SYSTEM_CLASSIFICATION',
    );
    expect((await refusal(remove({ classificationId: id }, ctx))).code).toBe('SYSTEM_CLASSIFICATION');
    await update({ classificationId: id, changes: { color: '#000000' } }, ctx);
    expect(await types(id)).toEqual(['ClassificationCreated', 'ClassificationUpdated']);
    await expectIndexesMatchStreams(w);
  });

  it('refuses to delete one with an active rule (an inactive one does not count) or an assignment', async () => {
    const { id } = await create(fields('Used'), ctx);
    const { id: ruleId } = await makeCreateRule(w.deps)(
      { classificationId: id, dbType: 'mysql', ruleName: 'r', expression: rule },
      ctx,
    );
    const inUse = await refusal(remove({ classificationId: id }, ctx));
    expect(inUse).toMatchObject({
      code: 'CLASSIFICATION_IN_USE',
      context: { activeRuleCount: 1, assignmentCount: 0 },
    });
    await makeUpdateRule(w.deps)({ ruleId, changes: { isActive: false } }, ctx);
    const assignment = {
      assignment_id: '00000000-0000-4000-8000-0000000000b1',
      classification_id: id,
      instance_id: '00000000-0000-4000-8000-0000000000c1',
    };
    await w.db.knex('classification_assignment_index').insert(assignment);
    expect(await refusal(remove({ classificationId: id }, ctx))).toMatchObject({
      code: 'CLASSIFICATION_IN_USE',
      context: { activeRuleCount: 0, assignmentCount: 1 },
    });
    await w.db.knex('classification_assignment_index').where(assignment).delete();

    await remove({ classificationId: id }, ctx);
    expect(await types(id)).toEqual(['ClassificationCreated', 'ClassificationDeleted']);
    expect((await refusal(remove({ classificationId: id }, ctx))).code).toBe('CONSTRAINT_VIOLATION');
    expect((await refusal(update({ classificationId: id, changes: { priority: 1 } }, ctx))).code).toBe(
      'CONSTRAINT_VIOLATION',
    );
    // Deleted: the name is free, and no rule can be added to it.
    await create(fields('USED'), ctx);
    expect(
      (
        await refusal(
          makeCreateRule(w.deps)(
            { classificationId: id, dbType: 'mysql', ruleName: 'r2', expression: rule },
            ctx,
          ),
        )
      ).code,
    ).toBe('RESOURCE_NOT_FOUND');
    await expectIndexesMatchStreams(w);
  });

  it('a delete racing a rule create: the rule is counted (IN_USE) or refused (NOT_FOUND), never both pass', async () => {
    for (let i = 0; i < 5; i++) {
      const { id } = await create(fields(`Race ${i}`), ctx);
      const [del, add] = await Promise.allSettled([
        remove({ classificationId: id }, ctx),
        makeCreateRule(w.deps)(
          { classificationId: id, dbType: 'mysql', ruleName: 'r', expression: rule },
          ctx,
        ),
      ]);
      const codes = [del, add].map((r) => (r.status === 'rejected' ? (r.reason as AppError).code : 'ok'));
      expect([
        ['ok', 'RESOURCE_NOT_FOUND'],
        ['CLASSIFICATION_IN_USE', 'ok'],
      ]).toContainEqual(codes);
    }
    await expectIndexesMatchStreams(w);
  });

  it('an unknown classification is RESOURCE_NOT_FOUND', async () => {
    const id = '00000000-0000-4000-8000-0000000000dd';
    expect((await refusal(update({ classificationId: id, changes: { priority: 1 } }, ctx))).code).toBe(
      'RESOURCE_NOT_FOUND',
    );
    expect((await refusal(remove({ classificationId: id }, ctx))).code).toBe('RESOURCE_NOT_FOUND');
  });
});
