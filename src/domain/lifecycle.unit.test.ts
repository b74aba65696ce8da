import { describe, expect, it } from 'vitest';
import { spec } from '../../test/support/deciderSpec.js';
import {
  decideLifecycle,
  evolveLifecycle,
  type Lifecycle,
  type LifecycleCommand,
  type LifecycleEvent,
} from './lifecycle.js';

const events = (...types: string[]): LifecycleEvent[] => types.map((type) => ({ type }));
// decideLifecycle only refuses: an accepted command produces no events of its own.
const { given } = spec<LifecycleCommand, LifecycleEvent, Lifecycle>(
  (command, state) => decideLifecycle('instance', 'i1', state, command),
  evolveLifecycle('Created', 'Deleted', 'Restored'),
  () => 'none',
);
const historyOf: Record<Lifecycle, LifecycleEvent[]> = {
  none: [],
  active: events('Created'),
  deleted: events('Created', 'Deleted'),
};

describe('lifecycle decider', () => {
  it('folds events into a state', () => {
    expect(given().state).toBe('none');
    expect(given(...events('Created', 'Updated')).state).toBe('active');
    expect(given(...events('Created', 'Deleted')).state).toBe('deleted');
    expect(given(...events('Created', 'Deleted', 'Restored')).state).toBe('active');
  });

  it.each<[Lifecycle, LifecycleCommand, string | undefined]>([
    ['none', 'create', undefined],
    ['active', 'create', 'CONSTRAINT_VIOLATION'],
    ['none', 'update', 'RESOURCE_NOT_FOUND'],
    ['active', 'update', undefined],
    ['deleted', 'update', 'CONSTRAINT_VIOLATION'],
    ['active', 'delete', undefined],
    ['deleted', 'delete', 'CONSTRAINT_VIOLATION'],
    ['none', 'delete', 'RESOURCE_NOT_FOUND'],
    ['deleted', 'restore', undefined],
    ['active', 'restore', 'CONSTRAINT_VIOLATION'],
    ['none', 'restore', 'RESOURCE_NOT_FOUND'],
  ])('given %s, when %s: %s', (state, command, code) => {
    const when = given(...historyOf[state]).when(command);
    if (code === undefined) when.then();
    else when.thenThrows(code);
  });
});
