// A monitored instance registered the way the API does it (a credential, then the instance), with the
// credential and instance read tables caught up, so a session run can find it and connect.
import { defaultPorts } from '../../src/adapters/engines/index.js';
import type { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import type { EventStore } from '../../src/adapters/eventStore/port.js';
import type { Keyring } from '../../src/adapters/keyring/keyring.js';
import { makeCreateCredential } from '../../src/commands/credentials.js';
import { makeRegisterInstance } from '../../src/commands/instances.js';
import type { CommandContext } from '../../src/commands/commandContext.js';
import type { DbType } from '../../src/domain/engines/model.js';
import { createLogger } from '../../src/logger.js';
import { credentialsProjection } from '../../src/projections/credentials/projection.js';
import { instancesProjection } from '../../src/projections/instances/projection.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import type { TestDatabase } from './testDatabase.js';

export async function registerInstance(
  deps: { db: TestDatabase; store: EventStore; raw: PostgresEventStore; keyring: () => Keyring },
  instance: { name: string; dbType: DbType; url: URL; username: string; password: string },
  ctx: CommandContext,
): Promise<string> {
  const { db, store, raw } = deps;
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
  await catchUpInstances(db, raw, [id]);
  return id;
}

/**
 * Catches the credential and instance read tables up until the instances are there. A reader sees an
 * event once every older transaction of the cluster ended (other suites' too), so one catch-up may stop
 * short of these events.
 */
export async function catchUpInstances(
  db: TestDatabase,
  raw: PostgresEventStore,
  ids: readonly string[],
): Promise<void> {
  const logger = createLogger({ level: 'silent' });
  for (let tries = 0; ; tries++) {
    for (const projection of [credentialsProjection, instancesProjection])
      await new ProjectionRunner({ projection, store: raw, knex: db.knex, logger }).catchUp();
    const rows = await db.knex('instances').whereIn('id', ids).count({ n: '*' });
    if (Number(rows[0]?.n) === ids.length) return;
    if (tries >= 200) throw new Error('the instances projection did not catch up');
    await new Promise((r) => setTimeout(r, 50));
  }
}
