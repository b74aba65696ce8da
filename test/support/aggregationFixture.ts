// What the aggregation tests set up: instances that are never connected to (no credential, a server each),
// and the daily size stats a capacity collection would have saved for them.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { EventStore } from '../../src/adapters/eventStore/port.js';
import type { CommandContext } from '../../src/commands/commandContext.js';
import { makeRegisterInstance } from '../../src/commands/instances.js';
import { capacityStream } from '../../src/domain/capacity/events.js';
import type { Actor } from '../../src/domain/events/envelope.js';

/** Registers instance `name` on its own server, `name`.example. */
export const registerStatsOnlyInstance = (
  deps: { knex: Knex; store: EventStore },
  name: string,
  ctx: CommandContext,
) =>
  makeRegisterInstance(deps)(
    {
      name,
      dbType: 'mysql',
      host: `${name}.example`,
      port: 1,
      databaseName: null,
      credentialId: null,
      description: '',
    },
    ctx,
  );

/** The StatsSaved of one instance's day: one database, `app`, of `sizeMb`, collected at noon UTC. */
export const appendStats = (
  store: Pick<EventStore, 'append'>,
  stat: { instanceId: string; day: string; sizeMb: number; actor: Actor },
) => {
  const { instanceId, day, sizeMb } = stat;
  return store.append(
    capacityStream(instanceId),
    [
      {
        eventId: randomUUID(),
        type: 'StatsSaved',
        schemaVersion: 1,
        data: {
          instanceId,
          sessionId: randomUUID(),
          collectedDate: day,
          collectedAt: `${day}T12:00:00Z`,
          databases: [{ databaseName: 'app', sizeMb, dataSizeMb: sizeMb, logSizeMb: null }],
          totalSizeMb: sizeMb,
          databaseCount: 1,
        },
        metadata: {
          correlationId: 'c',
          causationId: null,
          actor: stat.actor,
          occurredAt: `${day}T12:00:00Z`,
        },
      },
    ],
    { expectedRevision: 'any' },
  );
};
