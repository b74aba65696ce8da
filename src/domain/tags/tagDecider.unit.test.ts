// The tag decider as given/when/then tables: create, update (only what changes), deactivate / reactivate
// (no-ops when already so), delete (TAG_IN_USE without force; forced when it had holders).
import { describe, expect, it } from 'vitest';
import { spec } from '../../../test/support/deciderSpec.js';
import {
  decideTag,
  evolveTag,
  initialTagState,
  type TagCommand,
  type TagContext,
  type TagEvent,
  type TagState,
} from './tagDecider.js';

const { given } = spec<[TagCommand, TagContext?], TagEvent, TagState>(
  ([command, context], state) => decideTag(command, state, context),
  evolveTag,
  initialTagState,
);

const tagId = '0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f';
const fields = { name: 'prod', displayName: 'Prod', category: 'env', color: 'red', description: '' };
const created: TagEvent = { type: 'TagCreated', data: { tagId, ...fields } };
const deactivated: TagEvent = { type: 'TagDeactivated', data: { tagId } };
const deleted: TagEvent = { type: 'TagDeleted', data: { tagId, forced: false } };

describe('tag decider', () => {
  it('folds events into a state', () => {
    expect(given(created).state).toMatchObject({ lifecycle: 'active', name: 'prod', isActive: true });
    expect(given(created, deactivated).state.isActive).toBe(false);
    expect(given(created, deleted).state.lifecycle).toBe('deleted');
  });

  it.each<[string, TagEvent[], [TagCommand, TagContext?], TagEvent[] | string]>([
    ['creates', [], [{ type: 'create', tagId, ...fields }], [created]],
    ['refuses a taken name', [], [{ type: 'create', tagId, ...fields }, { nameTaken: true }], 'NAME_EXISTS'],
    ['refuses to create twice', [created], [{ type: 'create', tagId, ...fields }], 'CONSTRAINT_VIOLATION'],
    [
      'updates only what changes',
      [created],
      [{ type: 'update', tagId, changes: { color: 'blue', category: 'env' } }],
      [{ type: 'TagUpdated', data: { tagId, changes: { color: 'blue' } } }],
    ],
    [
      'an update that changes nothing appends nothing',
      [created],
      [{ type: 'update', tagId, changes: { name: 'prod' } }],
      [],
    ],
    [
      'a rename to another case of its own name is no clash',
      [created],
      [{ type: 'update', tagId, changes: { name: 'PROD' } }, { nameTaken: true }],
      [{ type: 'TagUpdated', data: { tagId, changes: { name: 'PROD' } } }],
    ],
    [
      'a rename to a taken name',
      [created],
      [{ type: 'update', tagId, changes: { name: 'pci' } }, { nameTaken: true }],
      'NAME_EXISTS',
    ],
    ['deactivates', [created], [{ type: 'deactivate', tagId }], [deactivated]],
    ['deactivating an inactive tag is a no-op', [created, deactivated], [{ type: 'deactivate', tagId }], []],
    [
      'reactivates',
      [created, deactivated],
      [{ type: 'reactivate', tagId }],
      [{ type: 'TagUpdated', data: { tagId, changes: { isActive: true } } }],
    ],
    ['reactivating an active tag is a no-op', [created], [{ type: 'reactivate', tagId }], []],
    ['deletes an unused tag', [created], [{ type: 'delete', tagId, force: false }], [deleted]],
    [
      'refuses a tag in use',
      [created],
      [{ type: 'delete', tagId, force: false }, { holderCount: 3 }],
      'TAG_IN_USE',
    ],
    [
      'force deletes a tag in use',
      [created],
      [{ type: 'delete', tagId, force: true }, { holderCount: 3 }],
      [{ type: 'TagDeleted', data: { tagId, forced: true } }],
    ],
    ['an unknown tag', [], [{ type: 'update', tagId, changes: { color: 'x' } }], 'RESOURCE_NOT_FOUND'],
    [
      'a deleted tag is gone',
      [created, deleted],
      [{ type: 'delete', tagId, force: true }],
      'RESOURCE_NOT_FOUND',
    ],
  ])('%s', (_name, events, when, then) => {
    const w = given(...events).when(when);
    if (typeof then === 'string') w.thenThrows(then);
    else w.then(...then);
  });
});
