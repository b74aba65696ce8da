// An instance as its stream tells it (instance-{id}): what a command needs to reach it, folded from the
// events, never read from the instances projection (that one may lag the log).
import type { z } from 'zod';
import type { instanceFields } from './events.js';

type InstanceFields = z.infer<z.ZodObject<typeof instanceFields>>;

export type InstanceState = InstanceFields & { id: string; isActive: boolean; deleted: boolean };

type InstanceEvent = { type: string; data: unknown };

/** Folds one event into the state; events before InstanceRegistered (none exist) are ignored. */
export function evolveInstance(
  state: InstanceState | undefined,
  event: InstanceEvent,
): InstanceState | undefined {
  switch (event.type) {
    case 'InstanceRegistered': {
      const { instanceId, ...fields } = event.data as { instanceId: string } & InstanceFields;
      return { id: instanceId, ...fields, isActive: true, deleted: false };
    }
    case 'InstanceUpdated': {
      const { changes } = event.data as { changes: Partial<InstanceFields & { isActive: boolean }> };
      return state && { ...state, ...definedOnly(changes) };
    }
    case 'InstanceDeleted':
      return state && { ...state, deleted: true };
    case 'InstanceRestored':
      return state && { ...state, deleted: false };
    default:
      return state; // connection checks change nothing a command decides on
  }
}

/** The instance an instance-{id} stream ends at, or undefined when the stream does not exist. */
export const instanceState = (events: readonly InstanceEvent[]): InstanceState | undefined =>
  events.reduce(evolveInstance, undefined);

const definedOnly = <T extends object>(changes: T): Partial<T> =>
  Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as Partial<T>;
