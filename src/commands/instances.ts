// Instances: register / update / soft-delete / restore, and recording a connection check. Decisions
// read the instance-{id} stream (and the credential-{id} stream of the credential it names); names and
// endpoints (the server monitored) are reserved in the transaction that appends.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { EventStore } from '../adapters/eventStore/port.js';
import type { DbType } from '../domain/engines/model.js';
import { AppError } from '../domain/errors.js';
import {
  changedEndpoint,
  describeEndpoint,
  endpointKey,
  endpointOf,
  type Endpoint,
} from '../domain/instances/endpoint.js';
import { instanceStream } from '../domain/instances/events.js';
import { decideLifecycle, evolveLifecycle } from '../domain/lifecycle.js';
import type { CommandContext } from './commandContext.js';
import { loadCredential } from './credentials.js';
import { appendOne, loadLifecycle, reserveName, retryOnConflict } from './streamWrites.js';

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

export interface EndpointOptions {
  /** A second instance of a server that another instance monitors is intended (e.g. another database on it). */
  allowDuplicate?: boolean | undefined;
}

/**
 * Records the server `id` monitors. While another instance (deleted ones included: restore brings them
 * back) monitors the same one, refused with INSTANCE_DUPLICATE unless `allowDuplicate`. An advisory
 * lock on the endpoint makes two registrations of one server wait for each other.
 */
async function claimEndpoint(
  trx: Knex.Transaction,
  id: string,
  endpoint: Endpoint,
  { allowDuplicate }: EndpointOptions,
): Promise<void> {
  const key = endpointKey(endpoint);
  await trx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`instance-endpoint:${key}`]);
  if (!allowDuplicate) {
    // The names only word the refusal; the decision is the write-side endpoint table's.
    const others = await trx({ e: 'instance_endpoints' })
      .leftJoin({ i: 'instances' }, 'i.id', 'e.instance_id')
      .where('e.endpoint_key', key)
      .whereNot('e.instance_id', id)
      .orderBy('e.instance_id')
      .select<{ id: string; name: string | null; deleted_at: Date | null }[]>(
        'e.instance_id as id',
        'i.name',
        'i.deleted_at',
      );
    const first = others[0];
    if (first) {
      throw new AppError(
        'INSTANCE_DUPLICATE',
        `instance ${first.name ? `'${first.name}' ` : ''}(${first.id})${first.deleted_at ? ', in the recycle bin,' : ''} already monitors ${describeEndpoint(endpoint)}; send allow_duplicate: true if a second instance of that server is intended`,
        {
          field: 'host',
          endpoint: { db_type: endpoint.dbType, host: endpoint.host.trim(), port: endpoint.port },
          existing: others.map((o) => ({ id: o.id, name: o.name, deleted: o.deleted_at !== null })),
        },
      );
    }
  }
  await trx('instance_endpoints')
    .insert({ instance_id: id, endpoint_key: key })
    .onConflict('instance_id')
    .merge();
}

/**
 * Refuses a credential that does not exist, is deleted, or is for another engine than `dbType` (when
 * known), as its credential-{id} stream says.
 */
async function checkCredential(
  store: Pick<EventStore, 'readStream'>,
  credentialId: string | null | undefined,
  dbType: DbType | undefined,
): Promise<void> {
  if (!credentialId) return;
  const credential = await loadCredential(store, credentialId);
  if (credential.state !== 'active')
    throw new AppError('VALIDATION_ERROR', `credential ${credentialId} does not exist`, {
      fields: [{ field: 'body.credential_id', message: 'no such credential' }],
    });
  if (dbType && credential.dbType !== dbType)
    throw new AppError(
      'VALIDATION_ERROR',
      `credential ${credentialId} is for ${credential.dbType}, not ${dbType}`,
      { fields: [{ field: 'body.credential_id', message: `the credential is for ${credential.dbType}` }] },
    );
}

export const makeRegisterInstance =
  ({ knex, store }: Deps) =>
  async (cmd: InstanceFields, ctx: CommandContext, options: EndpointOptions = {}) => {
    await checkCredential(store, cmd.credentialId, cmd.dbType);
    const id = randomUUID();
    const position = await knex.transaction(async (trx) => {
      await reserveName(trx, 'instance', cmd.name, id);
      await claimEndpoint(trx, id, cmd, options);
      return appendOne(
        store,
        instanceStream(id),
        'no_stream',
        'InstanceRegistered',
        { instanceId: id, ...cmd },
        ctx,
        { instanceId: id, within: trx },
      );
    });
    return { id, position };
  };

export const makeUpdateInstance =
  ({ knex, store }: Deps) =>
  async (
    id: string,
    changes: Partial<InstanceFields & { isActive: boolean }>,
    ctx: CommandContext,
    options: EndpointOptions = {},
  ) => {
    const { state, revision, events } = await loadLifecycle(store, instanceStream(id), evolve);
    const current = endpointOf(events);
    // The engine the instance will be: the new one if it changes.
    await checkCredential(store, changes.credentialId, changes.dbType ?? current?.dbType);
    decideLifecycle('instance', id, state, 'update');
    const next = current && changedEndpoint(current, changes);
    const position = await knex.transaction(async (trx) => {
      if (changes.name !== undefined) await reserveName(trx, 'instance', changes.name, id);
      // Checked only when the server changes: an intended duplicate stays editable.
      if (current && next && endpointKey(next) !== endpointKey(current))
        await claimEndpoint(trx, id, next, options);
      return appendOne(
        store,
        instanceStream(id),
        revision,
        'InstanceUpdated',
        { instanceId: id, changes },
        ctx,
        { instanceId: id, within: trx },
      );
    });
    return { id, position };
  };

const lifecycleChange =
  (command: 'delete' | 'restore', type: 'InstanceDeleted' | 'InstanceRestored') =>
  ({ store }: Pick<Deps, 'store'>) =>
  async (id: string, ctx: CommandContext) => {
    // Decided again when another event (a tag, an edit) reached the stream between the read and the append.
    const position = await retryOnConflict(async () => {
      const { state, revision } = await loadLifecycle(store, instanceStream(id), evolve);
      decideLifecycle('instance', id, state, command);
      return appendOne(store, instanceStream(id), revision, type, { instanceId: id }, ctx, {
        instanceId: id,
      });
    });
    return { id, position };
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
