// The tag decider: the state a tag-{id} stream folds into, and what a command appends. Facts outside the
// stream (is the name taken, how many instances hold the tag) come in as context. A deleted tag is gone for
// good (no restore): every command on it is RESOURCE_NOT_FOUND. Pure.
import { AppError } from '../errors.js';
import type { Lifecycle } from '../lifecycle.js';

export interface TagFields {
  name: string;
  displayName: string;
  category: string;
  color: string;
  description: string;
}

export interface TagState extends TagFields {
  lifecycle: Lifecycle;
  isActive: boolean;
}

export type TagChanges = Partial<TagFields>;

export type TagEvent =
  | { type: 'TagCreated'; data: { tagId: string } & TagFields }
  | { type: 'TagUpdated'; data: { tagId: string; changes: TagChanges & { isActive?: true } } }
  | { type: 'TagDeactivated'; data: { tagId: string } }
  | { type: 'TagDeleted'; data: { tagId: string; forced: boolean } };

export type TagCommand =
  | ({ type: 'create'; tagId: string } & TagFields)
  | { type: 'update'; tagId: string; changes: TagChanges }
  | { type: 'deactivate'; tagId: string }
  | { type: 'reactivate'; tagId: string }
  | { type: 'delete'; tagId: string; force: boolean };

export interface TagContext {
  /** Another live tag has this name, compared case-insensitively (create, rename). */
  nameTaken?: boolean;
  /** Instances holding the tag (delete), the recycle bin's included. */
  holderCount?: number;
}

export const initialTagState = (): TagState => ({
  lifecycle: 'none',
  name: '',
  displayName: '',
  category: '',
  color: '',
  description: '',
  isActive: false,
});

export function evolveTag(state: TagState, event: TagEvent): TagState {
  switch (event.type) {
    case 'TagCreated': {
      const { tagId: _id, ...fields } = event.data;
      return { ...state, ...fields, lifecycle: 'active', isActive: true };
    }
    case 'TagUpdated':
      return { ...state, ...event.data.changes };
    case 'TagDeactivated':
      return { ...state, isActive: false };
    case 'TagDeleted':
      return { ...state, lifecycle: 'deleted', isActive: false };
    default:
      return state;
  }
}

const nameExists = (name: string) =>
  new AppError('NAME_EXISTS', `a tag named ${name} exists`, { field: 'name' });

export function decideTag(command: TagCommand, state: TagState, context: TagContext = {}): TagEvent[] {
  const tagId = command.tagId;
  if (command.type === 'create') {
    if (state.lifecycle !== 'none') throw new AppError('CONSTRAINT_VIOLATION', `tag ${tagId} exists already`);
    if (context.nameTaken) throw nameExists(command.name);
    const { type: _type, ...data } = command;
    return [{ type: 'TagCreated', data }];
  }
  if (state.lifecycle !== 'active')
    throw new AppError('RESOURCE_NOT_FOUND', `tag ${tagId} does not exist`, { resource: 'tag', id: tagId });
  switch (command.type) {
    case 'update': {
      const changes = Object.fromEntries(
        Object.entries(command.changes).filter(
          ([k, v]) => v !== undefined && v !== state[k as keyof TagFields],
        ),
      ) as TagChanges;
      if (Object.keys(changes).length === 0) return [];
      if (changes.name !== undefined) {
        const caseOnly = changes.name.toLowerCase() === state.name.toLowerCase();
        if (!caseOnly && context.nameTaken) throw nameExists(changes.name);
      }
      return [{ type: 'TagUpdated', data: { tagId, changes } }];
    }
    case 'deactivate':
      return state.isActive ? [{ type: 'TagDeactivated', data: { tagId } }] : [];
    case 'reactivate':
      return state.isActive ? [] : [{ type: 'TagUpdated', data: { tagId, changes: { isActive: true } } }];
    case 'delete': {
      const holderCount = context.holderCount ?? 0;
      if (holderCount > 0 && !command.force)
        throw new AppError(
          'TAG_IN_USE',
          `tag ${state.name} is held by ${holderCount} instance(s): remove it first, or delete with force`,
          { tagId, holderCount },
        );
      return [{ type: 'TagDeleted', data: { tagId, forced: holderCount > 0 } }];
    }
    default: {
      const never: never = command;
      throw new Error(`unknown command ${String(never)}`);
    }
  }
}
