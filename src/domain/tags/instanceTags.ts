// The tags of one instance, as its instance-{id} stream tells them: the lifecycle (InstanceRegistered /
// Deleted / Restored) and the set of tags held (InstanceTagged / InstanceUntagged), and the decider of the
// tagging commands. Each command appends at most one event listing only what changes: assigning tags the
// instance holds already, or removing tags it does not hold, appends nothing. An instance in the recycle
// bin cannot be tagged (INSTANCE_DELETED); tags can still leave it (a removal, a tag deleted). Pure.
import { AppError } from '../errors.js';
import { evolveLifecycle, type Lifecycle } from '../lifecycle.js';
import type { TagRef, untagReasons } from './events.js';

export type UntagReason = (typeof untagReasons)[number];

export interface InstanceTagsState {
  lifecycle: Lifecycle;
  /** The instance's name (its last InstanceRegistered / InstanceUpdated name). */
  name: string;
  /** The tags held: tag id -> its name when it was assigned. */
  tags: ReadonlyMap<string, string>;
}

export type InstanceTagEvent =
  | { type: 'InstanceTagged'; data: { instanceId: string; sessionId?: string; tags: TagRef[] } }
  | {
      type: 'InstanceUntagged';
      data: { instanceId: string; sessionId?: string; tags: TagRef[]; reason: UntagReason };
    };

export type InstanceTagsCommand =
  | { type: 'assign'; instanceId: string; sessionId?: string; tags: readonly TagRef[] }
  | {
      type: 'remove';
      instanceId: string;
      sessionId?: string;
      tagIds: readonly string[];
      reason?: Exclude<UntagReason, 'remove_all'>;
    }
  | { type: 'removeAll'; instanceId: string; sessionId?: string };

export const initialInstanceTags = (): InstanceTagsState => ({
  lifecycle: 'none',
  name: '',
  tags: new Map(),
});

const lifecycleOf = evolveLifecycle('InstanceRegistered', 'InstanceDeleted', 'InstanceRestored');

/** Folds one event of the instance stream; events about other things leave the state as it is. */
export function evolveInstanceTags(
  state: InstanceTagsState,
  event: { type: string; data: unknown },
): InstanceTagsState {
  const lifecycle = lifecycleOf(state.lifecycle, event);
  switch (event.type) {
    case 'InstanceRegistered':
      return { ...state, lifecycle, name: (event.data as { name: string }).name };
    case 'InstanceUpdated': {
      const { name } = (event.data as { changes: { name?: string } }).changes;
      return name === undefined ? state : { ...state, name };
    }
    case 'InstanceTagged': {
      const tags = new Map(state.tags);
      for (const t of (event.data as { tags: TagRef[] }).tags) tags.set(t.tagId, t.name);
      return { ...state, tags };
    }
    case 'InstanceUntagged': {
      const tags = new Map(state.tags);
      for (const t of (event.data as { tags: TagRef[] }).tags) tags.delete(t.tagId);
      return { ...state, tags };
    }
    default:
      return lifecycle === state.lifecycle ? state : { ...state, lifecycle };
  }
}

export const foldInstanceTags = (events: readonly { type: string; data: unknown }[]): InstanceTagsState =>
  events.reduce(evolveInstanceTags, initialInstanceTags());

const session = (sessionId: string | undefined) => (sessionId ? { sessionId } : {});

/** The event a tagging command appends: none when nothing changes. */
export function decideInstanceTags(
  command: InstanceTagsCommand,
  state: InstanceTagsState,
): InstanceTagEvent[] {
  const { instanceId } = command;
  if (state.lifecycle === 'none')
    throw new AppError('RESOURCE_NOT_FOUND', `instance ${instanceId} does not exist`, {
      resource: 'instance',
      id: instanceId,
    });
  switch (command.type) {
    case 'assign': {
      if (state.lifecycle === 'deleted')
        throw new AppError(
          'INSTANCE_DELETED',
          `instance ${state.name} is in the recycle bin: restore it before tagging it`,
          { instanceId },
        );
      const seen = new Set<string>();
      const tags = command.tags.filter((t) => {
        if (state.tags.has(t.tagId) || seen.has(t.tagId)) return false;
        seen.add(t.tagId);
        return true;
      });
      if (tags.length === 0) return [];
      return [{ type: 'InstanceTagged', data: { instanceId, ...session(command.sessionId), tags } }];
    }
    case 'remove':
    case 'removeAll': {
      const ids = command.type === 'remove' ? new Set(command.tagIds) : new Set(state.tags.keys());
      const tags = [...state.tags]
        .filter(([tagId]) => ids.has(tagId))
        .map(([tagId, name]) => ({ tagId, name }));
      if (tags.length === 0) return [];
      const reason = command.type === 'remove' ? (command.reason ?? 'removed') : 'remove_all';
      return [
        { type: 'InstanceUntagged', data: { instanceId, ...session(command.sessionId), tags, reason } },
      ];
    }
    default: {
      const never: never = command;
      throw new Error(`unknown command ${String(never)}`);
    }
  }
}
