// The write side's directory of instances: what a sync, a connection test or an aggregation needs to know
// about an instance, folded from its instance-{id} and credential-{id} streams. Never from the projection
// tables, so a command runs right after the instance is registered, whether the projections caught up or not.
import type { Knex } from 'knex';
import pLimit from 'p-limit';
import type { ConnectionParams } from '../adapters/engines/port.js';
import type { EventStore } from '../adapters/eventStore/port.js';
import { credentialStream } from '../domain/credentials/events.js';
import { credentialState } from '../domain/credentials/state.js';
import { AppError, notFound } from '../domain/errors.js';
import { instanceStream } from '../domain/instances/events.js';
import { instanceState, type InstanceState } from '../domain/instances/state.js';
import { readCredentialPassword, type CredentialDeps } from './credentials.js';
import { nameKey } from './streamWrites.js';

export type InstanceTarget = InstanceState;

export interface InstanceDirectory {
  /** The instance, deleted or not; undefined when it was never registered. */
  get(id: string): Promise<InstanceTarget | undefined>;
  /** The instances to work on, in that order: refused with RESOURCE_NOT_FOUND when one is unknown or deleted. */
  existing(ids: readonly string[]): Promise<InstanceTarget[]>;
  /** Every active instance not deleted, by name. */
  active(): Promise<InstanceTarget[]>;
  /** The instance with that id, else with that name (case-insensitive), deleted or not. */
  byRef(ref: string): Promise<InstanceTarget | undefined>;
  /** Up to `limit` instances not deleted whose name contains `part` (case-insensitive), by name. */
  namedLike(part: string, limit: number): Promise<InstanceTarget[]>;
  /** How to reach it: its credential's username and decrypted password (refused when it has none). */
  connection(instance: InstanceTarget): Promise<ConnectionParams>;
}

type StreamDeps = { knex: Knex; store: Pick<EventStore, 'readStream'> };
export type DirectoryDeps = StreamDeps & Pick<CredentialDeps, 'keyring' | 'reloadKeyring'>;

/** Instance streams read at once. */
const READ_CONCURRENCY = 16;

const byName = (a: InstanceTarget, b: InstanceTarget) => a.name.localeCompare(b.name);

const readInstance = async (store: StreamDeps['store'], id: string) =>
  instanceState(await store.readStream(instanceStream(id)));

const readInstances = (store: StreamDeps['store'], ids: readonly string[]) => {
  const limit = pLimit(READ_CONCURRENCY);
  return Promise.all(ids.map((id) => limit(() => readInstance(store, id))));
};

/** Every active instance not deleted, by name (what the directory's active() answers). */
export async function activeInstances({ knex, store }: StreamDeps): Promise<InstanceTarget[]> {
  // instance_endpoints holds every registered instance, written in the transaction that registers it.
  const all = await readInstances(store, await registeredIds(knex));
  return all.filter((i): i is InstanceTarget => !!i && i.isActive && !i.deleted).sort(byName);
}

export function instanceDirectory(deps: DirectoryDeps): InstanceDirectory {
  return {
    get: (id) => readInstance(deps.store, id),
    async existing(ids) {
      const found = await readInstances(deps.store, ids);
      return found.map((instance, i) => {
        if (!instance || instance.deleted) throw notFound('instance', ids[i]!);
        return instance;
      });
    },
    active: () => activeInstances(deps),
    async byRef(ref) {
      const wanted = ref.trim();
      const byId = await readInstance(deps.store, wanted.toLowerCase());
      if (byId) return byId;
      const owner = await reservedNames(deps.knex)
        .where({ name_key: nameKey(wanted) })
        .first<{ owner_id: string } | undefined>('owner_id');
      return owner && readInstance(deps.store, owner.owner_id);
    },
    async namedLike(part, limit) {
      const owners = await reservedNames(deps.knex)
        .whereRaw('strpos(name_key, ?) > 0', [nameKey(part)])
        .pluck<string[]>('owner_id');
      const found = await readInstances(deps.store, owners);
      return found
        .filter((i): i is InstanceTarget => !!i && !i.deleted)
        .sort(byName)
        .slice(0, limit);
    },
    async connection(instance) {
      if (!instance.credentialId)
        throw new AppError('VALIDATION_ERROR', `instance ${instance.name} has no credential`, {
          fields: [{ field: 'credential_id', message: 'not set' }],
        });
      const credential = credentialState(
        await deps.store.readStream(credentialStream(instance.credentialId)),
      );
      if (!credential || credential.deleted)
        throw new AppError('VALIDATION_ERROR', `the credential of instance ${instance.name} was deleted`);
      return {
        dbType: instance.dbType,
        host: instance.host,
        port: instance.port,
        databaseName: instance.databaseName ?? undefined,
        username: credential.username,
        password: await readCredentialPassword(deps, instance.credentialId),
      };
    },
  };
}

/** The directory a command was given, else the one over the streams. */
export const directoryOf = (deps: DirectoryDeps & { instances?: InstanceDirectory | undefined }) =>
  deps.instances ?? instanceDirectory(deps);

/** Instance names as the register and update commands reserve them (src/commands/streamWrites.ts). */
const reservedNames = (knex: Knex) =>
  knex<{ scope: string; name_key: string; owner_id: string }>('name_reservations').where({
    scope: 'instance',
  });

const registeredIds = async (knex: Knex): Promise<string[]> =>
  (await knex('instance_endpoints').select<{ instance_id: string }[]>('instance_id')).map(
    (r) => r.instance_id,
  );
