// Instances: register / update / soft-delete / restore, and recording a connection check. Decisions
// read the instance-{id} stream; names are reserved in the transaction that appends.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { EventStore } from '../adapters/eventStore/port.js';
import type { DbType } from '../domain/engines/model.js';
import { instanceStream } from '../domain/instances/events.js';
import { decideLifecycle, evolveLifecycle } from '../domain/lifecycle.js';
import { appendOne, loadLifecycle, reserveName, type CommandContext } from './streamWrites.js';

type Deps = { knex: Knex; store: EventStore };

const evolve = evolveLifecycle('InstanceRegistered', 'InstanceDeleted', 'InstanceRestored');

export interface InstanceFields {
  name: string;
  dbType: DbType;
  host: string;
  port: number;
  databaseName: string | null;
  credentialId: string | null;
  description: string;
}

export const makeRegisterInstance =
  ({ knex, store }: Deps) =>
  async (cmd: InstanceFields, ctx: CommandContext) => {
    const id = randomUUID();
    const position = await knex.transaction(async (trx) => {
      await reserveName(trx, 'instance', cmd.name, id);
      return appendOne(
        store,
        instanceStream(id),
        'no_stream',
        'InstanceRegistered',
        { instanceId: id, ...cmd },
        ctx,
        { instanceId: id },
      );
    });
    return { id, position };
  };

export const makeUpdateInstance =
  ({ knex, store }: Deps) =>
  async (id: string, changes: Partial<InstanceFields & { isActive: boolean }>, ctx: CommandContext) => {
    const { state, revision } = await loadLifecycle(store, instanceStream(id), evolve);
    decideLifecycle('instance', id, state, 'update');
    const position = await knex.transaction(async (trx) => {
      if (changes.name !== undefined) await reserveName(trx, 'instance', changes.name, id);
      return appendOne(
        store,
        instanceStream(id),
        revision,
        'InstanceUpdated',
        { instanceId: id, changes },
        ctx,
        { instanceId: id },
      );
    });
    return { id, position };
  };

const lifecycleChange =
  (command: 'delete' | 'restore', type: 'InstanceDeleted' | 'InstanceRestored') =>
  ({ store }: Pick<Deps, 'store'>) =>
  async (id: string, ctx: CommandContext) => {
    const { state, revision } = await loadLifecycle(store, instanceStream(id), evolve);
    decideLifecycle('instance', id, state, command);
    return {
      id,
      position: await appendOne(store, instanceStream(id), revision, type, { instanceId: id }, ctx, {
        instanceId: id,
      }),
    };
  };

export const makeDeleteInstance = lifecycleChange('delete', 'InstanceDeleted');
export const makeRestoreInstance = lifecycleChange('restore', 'InstanceRestored');

export interface ConnectionCheck {
  ok: boolean;
  version: string | null;
  latencyMs: number | null;
  errorCode: string | null;
  message: string | null;
}

/** Appends the outcome of a connection test (any revision: checks do not conflict with edits). */
export const makeRecordConnectionCheck =
  ({ store }: Pick<Deps, 'store'>) =>
  async (id: string, check: ConnectionCheck, ctx: CommandContext) =>
    appendOne(
      store,
      instanceStream(id),
      'stream_exists',
      'InstanceConnectionTested',
      { instanceId: id, ...check },
      ctx,
      { instanceId: id },
    );
