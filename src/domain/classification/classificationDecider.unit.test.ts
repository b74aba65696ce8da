import { describe, expect, it } from 'vitest';
import { spec } from '../../../test/support/deciderSpec.js';
import {
  decideClassification,
  evolveClassification,
  initialClassificationState,
  type ClassificationCommand,
  type ClassificationContext,
  type ClassificationEvent,
  type ClassificationState,
} from './classificationDecider.js';

type When = [ClassificationCommand, ClassificationContext?];
const { given } = spec<When, ClassificationEvent, ClassificationState>(
  ([command, context], state) => decideClassification(command, state, context),
  evolveClassification,
  initialClassificationState,
);

const id = '0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f';
const fields = { name: 'Admins', description: 'd', riskLevel: 'high', color: '#f00', priority: 10 } as const;
const created = (isSystem = false): ClassificationEvent => ({
  type: 'ClassificationCreated',
  data: { classificationId: id, ...fields, isSystem },
});
const deleted: ClassificationEvent = { type: 'ClassificationDeleted', data: { classificationId: id } };
const update = (changes: Record<string, unknown>): ClassificationCommand => ({
  type: 'update',
  classificationId: id,
  changes,
});
const del: ClassificationCommand = { type: 'delete', classificationId: id };

describe('classification decider', () => {
  it('folds events into a state', () => {
    expect(given().state.lifecycle).toBe('none');
    const s = given(created(true), {
      type: 'ClassificationUpdated',
      data: { classificationId: id, changes: { color: '#0f0', isActive: false } },
    }).state;
    expect(s).toMatchObject({
      lifecycle: 'active',
      name: 'Admins',
      color: '#0f0',
      isActive: false,
      isSystem: true,
    });
    expect(given(created(), deleted).state.lifecycle).toBe('deleted');
  });

  it('creates a classification', () => {
    given()
      .when([{ type: 'create', classificationId: id, ...fields, isSystem: false }])
      .then(created());
  });

  it('updates only what changes, and nothing when nothing does', () => {
    given(created())
      .when([update({ color: '#0f0', priority: 10, isActive: false })])
      .then({
        type: 'ClassificationUpdated',
        data: { classificationId: id, changes: { color: '#0f0', isActive: false } },
      });
    given(created())
      .when([update({ name: 'Admins', riskLevel: 'high' })])
      .then();
  });

  it('renames, and a change of case only is not a clash with itself', () => {
    given(created())
      .when([update({ name: 'ADMINS' }), { nameTaken: true }])
      .then({ type: 'ClassificationUpdated', data: { classificationId: id, changes: { name: 'ADMINS' } } });
  });

  it('lets a system classification change everything but its name', () => {
    given(created(true))
      .when([update({ description: 'x', isActive: false })])
      .then({
        type: 'ClassificationUpdated',
        data: { classificationId: id, changes: { description: 'x', isActive: false } },
      });
  });

  it('deletes one not in use', () => {
    given(created())
      .when([del, { activeRuleCount: 0, assignmentCount: 0 }])
      .then(deleted);
  });

  it.each<[string, ClassificationEvent[], When, string]>([
    [
      'create twice',
      [created()],
      [{ type: 'create', classificationId: id, ...fields, isSystem: false }],
      'CONSTRAINT_VIOLATION',
    ],
    [
      'create a taken name',
      [],
      [{ type: 'create', classificationId: id, ...fields, isSystem: false }, { nameTaken: true }],
      'NAME_EXISTS',
    ],
    [
      'rename to a taken name',
      [created()],
      [update({ name: 'Readers' }), { nameTaken: true }],
      'NAME_EXISTS',
    ],
    ['rename a system one', [created(true)], [update({ name: 'Other' })], 'SYSTEM_CLASSIFICATION'],
    ['delete a system one', [created(true)], [del], 'SYSTEM_CLASSIFICATION'],
    [
      'delete with active rules',
      [created()],
      [del, { activeRuleCount: 1, assignmentCount: 0 }],
      'CLASSIFICATION_IN_USE',
    ],
    [
      'delete with assignments',
      [created()],
      [del, { activeRuleCount: 0, assignmentCount: 3 }],
      'CLASSIFICATION_IN_USE',
    ],
    ['update a missing one', [], [update({ color: 'x' })], 'RESOURCE_NOT_FOUND'],
    ['delete a missing one', [], [del], 'RESOURCE_NOT_FOUND'],
    ['update a deleted one', [created(), deleted], [update({ color: 'x' })], 'CONSTRAINT_VIOLATION'],
    ['delete a deleted one', [created(), deleted], [del], 'CONSTRAINT_VIOLATION'],
  ])('refuses to %s', (_name, history, when, code) => {
    given(...history)
      .when(when)
      .thenThrows(code);
  });
});
