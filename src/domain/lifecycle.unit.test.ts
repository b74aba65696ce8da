import { describe, expect, it } from 'vitest';
import type { AppError } from './errors.js';
import { decideLifecycle, evolveLifecycle, type Lifecycle, type LifecycleCommand } from './lifecycle.js';

const evolve = evolveLifecycle('Created', 'Deleted', 'Restored');
const given = (...types: string[]): Lifecycle =>
  types.reduce<Lifecycle>((s, type) => evolve(s, { type }), 'none');
const refusal = (state: Lifecycle, command: LifecycleCommand) => {
  try {
    decideLifecycle('instance', 'i1', state, command);
    return undefined;
  } catch (err) {
    return (err as AppError).code;
  }
};

describe('lifecycle decider', () => {
  it('folds events into a state', () => {
    expect(given()).toBe('none');
    expect(given('Created', 'Updated')).toBe('active');
    expect(given('Created', 'Deleted')).toBe('deleted');
    expect(given('Created', 'Deleted', 'Restored')).toBe('active');
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
    expect(refusal(state, command)).toBe(code);
  });
});
