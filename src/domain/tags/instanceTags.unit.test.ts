// The instance tags fold and decider as given/when/then tables: only the tags not held are assigned (none:
// nothing appended), only the held ones removed, the recycle bin refuses tagging but not removals.
import { describe, expect, it } from 'vitest';
import { spec } from '../../../test/support/deciderSpec.js';
import {
  decideInstanceTags,
  evolveInstanceTags,
  initialInstanceTags,
  type InstanceTagsCommand,
  type InstanceTagsState,
} from './instanceTags.js';

type E = { type: string; data: Record<string, unknown> };
const { given } = spec<InstanceTagsCommand, E, InstanceTagsState>(
  decideInstanceTags,
  evolveInstanceTags,
  initialInstanceTags,
);

const instanceId = '9a6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f';
const prod = { tagId: '1b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f', name: 'prod' };
const pci = { tagId: '2b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f', name: 'pci' };
const registered: E = { type: 'InstanceRegistered', data: { instanceId, name: 'db1' } };
const deleted: E = { type: 'InstanceDeleted', data: { instanceId } };
const restored: E = { type: 'InstanceRestored', data: { instanceId } };
const tagged = (...tags: (typeof prod)[]): E => ({ type: 'InstanceTagged', data: { instanceId, tags } });
const untagged = (reason: string, ...tags: (typeof prod)[]): E => ({
  type: 'InstanceUntagged',
  data: { instanceId, tags, reason },
});
const assign = (...tags: (typeof prod)[]): InstanceTagsCommand => ({ type: 'assign', instanceId, tags });

describe('instance tags', () => {
  it('folds the lifecycle, the name and the tags held', () => {
    const s = given(registered, tagged(prod, pci), untagged('removed', prod), deleted).state;
    expect(s.lifecycle).toBe('deleted');
    expect(s.name).toBe('db1');
    expect([...s.tags]).toEqual([[pci.tagId, 'pci']]);
    expect(given(registered, deleted, restored).state.lifecycle).toBe('active');
  });

  it.each<[string, E[], InstanceTagsCommand, E[] | string]>([
    ['assigns', [registered], assign(prod, pci), [tagged(prod, pci)]],
    ['assigns only the tags not held', [registered, tagged(prod)], assign(prod, pci, pci), [tagged(pci)]],
    ['assigning held tags is a no-op', [registered, tagged(prod, pci)], assign(pci, prod), []],
    [
      'refuses to tag an instance in the recycle bin',
      [registered, deleted],
      assign(prod),
      'INSTANCE_DELETED',
    ],
    ['tags a restored instance', [registered, deleted, restored], assign(prod), [tagged(prod)]],
    ['an unknown instance', [], assign(prod), 'RESOURCE_NOT_FOUND'],
    [
      'removes only the held tags',
      [registered, tagged(prod)],
      { type: 'remove', instanceId, tagIds: [prod.tagId, pci.tagId] },
      [untagged('removed', prod)],
    ],
    [
      'removing tags not held is a no-op',
      [registered],
      { type: 'remove', instanceId, tagIds: [prod.tagId] },
      [],
    ],
    [
      'a tag deleted leaves an instance in the recycle bin too',
      [registered, tagged(prod), deleted],
      { type: 'remove', instanceId, tagIds: [prod.tagId], reason: 'tag_deleted' },
      [untagged('tag_deleted', prod)],
    ],
    [
      'removes all',
      [registered, tagged(prod, pci)],
      { type: 'removeAll', instanceId },
      [untagged('remove_all', prod, pci)],
    ],
    ['remove all of an untagged instance is a no-op', [registered], { type: 'removeAll', instanceId }, []],
  ])('%s', (_name, events, when, then) => {
    const w = given(...events).when(when);
    if (typeof then === 'string') w.thenThrows(then);
    else w.then(...then);
  });
});
