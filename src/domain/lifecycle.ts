// The lifecycle shared by credentials and instances: none -> active <-> deleted (soft delete, restore).
// A pure decider over that state: it says which event a command produces, or why it is refused.
import { AppError } from './errors.js';

export type Lifecycle = 'none' | 'active' | 'deleted';

export interface LifecycleEvent {
  type: string;
}

/** Folds a stream's event types into its lifecycle state. */
export function evolveLifecycle(created: string, deleted: string, restored: string) {
  return (state: Lifecycle, event: LifecycleEvent): Lifecycle => {
    if (event.type === created) return 'active';
    if (event.type === deleted) return 'deleted';
    if (event.type === restored) return 'active';
    return state;
  };
}

export type LifecycleCommand = 'create' | 'update' | 'delete' | 'restore';

/** Refuses a command the state does not allow; returns nothing when it may go ahead. */
export function decideLifecycle(what: string, id: string, state: Lifecycle, command: LifecycleCommand): void {
  switch (command) {
    case 'create':
      if (state !== 'none') throw new AppError('CONSTRAINT_VIOLATION', `${what} ${id} exists already`);
      return;
    case 'update':
    case 'delete':
      if (state === 'none')
        throw new AppError('RESOURCE_NOT_FOUND', `${what} ${id} does not exist`, { resource: what, id });
      if (state === 'deleted')
        throw new AppError('CONSTRAINT_VIOLATION', `${what} ${id} is deleted; restore it first`);
      return;
    case 'restore':
      if (state === 'none')
        throw new AppError('RESOURCE_NOT_FOUND', `${what} ${id} does not exist`, { resource: what, id });
      if (state === 'active') throw new AppError('CONSTRAINT_VIOLATION', `${what} ${id} is not deleted`);
      return;
    default: {
      const never: never = command;
      throw new Error(`unknown command ${String(never)}`);
    }
  }
}
