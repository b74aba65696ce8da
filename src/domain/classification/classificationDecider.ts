// The classification decider: the state a classification-{id} stream folds into, and what a command appends.
// Facts outside the stream (is the name taken, how many rules and assignments use it) come in as inputs.
import { AppError } from '../errors.js';
import { decideLifecycle, type Lifecycle } from '../lifecycle.js';
import type { RiskLevel } from './events.js';

export interface ClassificationFields {
  name: string;
  description: string;
  riskLevel: RiskLevel;
  color: string;
  priority: number;
}

export interface ClassificationState extends ClassificationFields {
  lifecycle: Lifecycle;
  isSystem: boolean;
  isActive: boolean;
}

export type ClassificationChanges = Partial<ClassificationFields> & { isActive?: boolean };

export type ClassificationEvent =
  | {
      type: 'ClassificationCreated';
      data: { classificationId: string; isSystem: boolean } & ClassificationFields;
    }
  | { type: 'ClassificationUpdated'; data: { classificationId: string; changes: ClassificationChanges } }
  | { type: 'ClassificationDeleted'; data: { classificationId: string } };

export type ClassificationCommand =
  | ({ type: 'create'; classificationId: string; isSystem: boolean } & ClassificationFields)
  | { type: 'update'; classificationId: string; changes: ClassificationChanges }
  | { type: 'delete'; classificationId: string };

export interface ClassificationContext {
  /** Another live classification has this name, compared case-insensitively (create, rename). */
  nameTaken?: boolean;
  /** Active rules of the classification (delete). */
  activeRuleCount?: number;
  /** Accounts assigned to the classification (delete). */
  assignmentCount?: number;
}

export const initialClassificationState = (): ClassificationState => ({
  lifecycle: 'none',
  name: '',
  description: '',
  riskLevel: 'low',
  color: '',
  priority: 0,
  isSystem: false,
  isActive: false,
});

export function evolveClassification(
  state: ClassificationState,
  event: ClassificationEvent,
): ClassificationState {
  switch (event.type) {
    case 'ClassificationCreated': {
      const { classificationId: _id, ...fields } = event.data;
      return { ...state, ...fields, lifecycle: 'active', isActive: true };
    }
    case 'ClassificationUpdated':
      return { ...state, ...event.data.changes };
    case 'ClassificationDeleted':
      return { ...state, lifecycle: 'deleted' };
    default:
      return state;
  }
}

const what = 'classification';

export function decideClassification(
  command: ClassificationCommand,
  state: ClassificationState,
  context: ClassificationContext = {},
): ClassificationEvent[] {
  const id = command.classificationId;
  decideLifecycle(what, id, state.lifecycle, command.type);
  switch (command.type) {
    case 'create': {
      if (context.nameTaken)
        throw new AppError('NAME_EXISTS', `a classification named ${command.name} exists`);
      const { type: _type, ...data } = command;
      return [{ type: 'ClassificationCreated', data }];
    }
    case 'update': {
      const changes = Object.fromEntries(
        Object.entries(command.changes).filter(
          ([k, v]) => v !== undefined && v !== state[k as keyof ClassificationChanges],
        ),
      ) as ClassificationChanges;
      if (Object.keys(changes).length === 0) return [];
      if (changes.name !== undefined) {
        if (state.isSystem)
          throw new AppError(
            'SYSTEM_CLASSIFICATION',
            `classification ${id} is a system one: it cannot be renamed`,
          );
        const caseOnly = changes.name.toLowerCase() === state.name.toLowerCase();
        if (!caseOnly && context.nameTaken)
          throw new AppError('NAME_EXISTS', `a classification named ${changes.name} exists`);
      }
      return [{ type: 'ClassificationUpdated', data: { classificationId: id, changes } }];
    }
    case 'delete': {
      if (state.isSystem)
        throw new AppError(
          'SYSTEM_CLASSIFICATION',
          `classification ${id} is a system one: it cannot be deleted`,
        );
      const activeRuleCount = context.activeRuleCount ?? 0;
      const assignmentCount = context.assignmentCount ?? 0;
      if (activeRuleCount > 0 || assignmentCount > 0)
        throw new AppError('CLASSIFICATION_IN_USE', `classification ${id} has active rules or assignments`, {
          activeRuleCount,
          assignmentCount,
        });
      return [{ type: 'ClassificationDeleted', data: { classificationId: id } }];
    }
    default: {
      const never: never = command;
      throw new Error(`unknown command ${String(never)}`);
    }
  }
}
