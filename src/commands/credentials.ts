// Credentials: create / update / delete. Metadata goes to the credential-{id} stream; the password only
// to credential_secrets, sealed with the keyring. Name, secret and event commit together.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { prepared } from '../adapters/db/preparedStatements.js';
import type { EventStore } from '../adapters/eventStore/port.js';
import {
  decryptSecret,
  encryptSecret,
  keyId,
  UnknownKeyError,
  type Keyring,
} from '../adapters/keyring/keyring.js';
import { credentialStream } from '../domain/credentials/events.js';
import type { DbType } from '../domain/engines/model.js';
import { notFound } from '../domain/errors.js';
import { decideLifecycle, evolveLifecycle, type Lifecycle } from '../domain/lifecycle.js';
import type { CommandContext } from './commandContext.js';
import { appendOne, loadLifecycle, reserveName } from './streamWrites.js';

export interface CredentialDeps {
  knex: Knex;
  store: EventStore;
  keyring: () => Keyring;
  /** Re-reads the keyring: a secret sealed with a key this process does not hold yet means a rotation ran. */
  reloadKeyring?: () => Promise<void>;
}

const evolve = evolveLifecycle('CredentialCreated', 'CredentialDeleted', '');

/** A credential as its stream ends: its lifecycle and the engine it is for (undefined before it exists). */
export async function loadCredential(
  store: Pick<EventStore, 'readStream'>,
  id: string,
): Promise<{ state: Lifecycle; dbType: DbType | undefined }> {
  const { state, events } = await loadLifecycle(store, credentialStream(id), evolve);
  let dbType: DbType | undefined;
  for (const e of events) {
    const data = e.data as { dbType?: DbType; changes?: { dbType?: DbType } };
    if (e.type === 'CredentialCreated') dbType = data.dbType;
    else if (e.type === 'CredentialUpdated') dbType = data.changes?.dbType ?? dbType;
  }
  return { state, dbType };
}

async function storeSecret(trx: Knex.Transaction, ring: Keyring, credentialId: string, password: string) {
  await trx('credential_secrets')
    .insert({
      credential_id: credentialId,
      sealed: encryptSecret(ring, password, credentialId),
      key_id: keyId(ring.current),
      updated_at: trx.fn.now(),
    })
    .onConflict('credential_id')
    .merge();
}

export interface CreateCredential {
  name: string;
  dbType: DbType;
  username: string;
  password: string;
  description: string;
}

export const makeCreateCredential =
  ({ knex, store, keyring }: CredentialDeps) =>
  async (cmd: CreateCredential, ctx: CommandContext) => {
    const id = randomUUID();
    const position = await knex.transaction(async (trx) => {
      await reserveName(trx, 'credential', cmd.name, id);
      await storeSecret(trx, keyring(), id, cmd.password);
      return appendOne(
        store,
        credentialStream(id),
        'no_stream',
        'CredentialCreated',
        {
          credentialId: id,
          name: cmd.name,
          dbType: cmd.dbType,
          username: cmd.username,
          description: cmd.description,
        },
        ctx,
        { within: trx },
      );
    });
    return { id, position };
  };

export interface UpdateCredential {
  id: string;
  changes: Partial<{
    name: string;
    dbType: DbType;
    username: string;
    description: string;
    isActive: boolean;
  }>;
  password?: string | undefined;
}

export const makeUpdateCredential =
  ({ knex, store, keyring }: CredentialDeps) =>
  async (cmd: UpdateCredential, ctx: CommandContext) => {
    const { state, revision } = await loadLifecycle(store, credentialStream(cmd.id), evolve);
    decideLifecycle('credential', cmd.id, state, 'update');
    const position = await knex.transaction(async (trx) => {
      if (cmd.changes.name !== undefined) await reserveName(trx, 'credential', cmd.changes.name, cmd.id);
      if (cmd.password !== undefined) await storeSecret(trx, keyring(), cmd.id, cmd.password);
      return appendOne(
        store,
        credentialStream(cmd.id),
        revision,
        'CredentialUpdated',
        {
          credentialId: cmd.id,
          changes: cmd.changes,
          passwordChanged: cmd.password !== undefined,
        },
        ctx,
        { within: trx },
      );
    });
    return { id: cmd.id, position };
  };

export const makeDeleteCredential =
  ({ store }: Pick<CredentialDeps, 'store'>) =>
  async (id: string, ctx: CommandContext) => {
    const { state, revision } = await loadLifecycle(store, credentialStream(id), evolve);
    decideLifecycle('credential', id, state, 'delete');
    return {
      id,
      position: await appendOne(
        store,
        credentialStream(id),
        revision,
        'CredentialDeleted',
        { credentialId: id },
        ctx,
      ),
    };
  };

/** The decrypted password, for an engine connection only: never returned by the API or logged. */
export async function readCredentialPassword(
  deps: Pick<CredentialDeps, 'knex' | 'keyring' | 'reloadKeyring'>,
  credentialId: string,
): Promise<string> {
  const row = await deps
    .knex<{ credential_id: string; sealed: string }>('credential_secrets')
    .where({ credential_id: credentialId })
    .options(prepared)
    .first('sealed');
  if (!row) throw notFound('credential', credentialId);
  try {
    return decryptSecret(deps.keyring(), row.sealed, credentialId);
  } catch (err) {
    if (!(err instanceof UnknownKeyError) || !deps.reloadKeyring) throw err;
    await deps.reloadKeyring();
    return decryptSecret(deps.keyring(), row.sealed, credentialId);
  }
}

/** Re-encrypts every secret not sealed with the current key; returns how many it changed. Safe to re-run. */
export async function reencryptSecrets(deps: Pick<CredentialDeps, 'knex' | 'keyring'>): Promise<number> {
  const ring = deps.keyring();
  const current = keyId(ring.current);
  const stale = await deps
    .knex<{ credential_id: string; sealed: string; key_id: string }>('credential_secrets')
    .whereNot({ key_id: current })
    .select('*');
  let changed = 0;
  for (const row of stale) {
    const password = decryptSecret(ring, row.sealed, row.credential_id);
    // Compare-and-set on the old ciphertext: a concurrent password change wins.
    changed += await deps
      .knex('credential_secrets')
      .where({ credential_id: row.credential_id, sealed: row.sealed })
      .update({
        sealed: encryptSecret(ring, password, row.credential_id),
        key_id: current,
        updated_at: deps.knex.fn.now(),
      });
  }
  return changed;
}
