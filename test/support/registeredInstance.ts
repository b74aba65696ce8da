// A monitored instance registered the way the API does it (a credential, then the instance). A session run
// finds it and its credential in their streams: no read table needs to catch up first.
import { defaultPorts } from '../../src/adapters/engines/index.js';
import type { EventStore } from '../../src/adapters/eventStore/port.js';
import type { Keyring } from '../../src/adapters/keyring/keyring.js';
import { makeCreateCredential } from '../../src/commands/credentials.js';
import { makeRegisterInstance } from '../../src/commands/instances.js';
import type { CommandContext } from '../../src/commands/commandContext.js';
import type { DbType } from '../../src/domain/engines/model.js';
import type { TestDatabase } from './testDatabase.js';

export async function registerInstance(
  deps: { db: TestDatabase; store: EventStore; keyring: () => Keyring },
  instance: { name: string; dbType: DbType; url: URL; username: string; password: string },
  ctx: CommandContext,
): Promise<string> {
  const { db, store } = deps;
  const cred = await makeCreateCredential({ knex: db.knex, store, keyring: deps.keyring })(
    {
      name: instance.name,
      dbType: instance.dbType,
      username: instance.username,
      password: instance.password,
      description: '',
    },
    ctx,
  );
  const { id } = await makeRegisterInstance({ knex: db.knex, store })(
    {
      name: instance.name,
      dbType: instance.dbType,
      host: instance.url.hostname,
      port: Number(instance.url.port || defaultPorts[instance.dbType]),
      databaseName: null,
      credentialId: cred.id,
      description: '',
    },
    ctx,
  );
  return id;
}
