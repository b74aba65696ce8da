// Helpers shared by commands on simple aggregates (credentials, instances): load the lifecycle from the
// stream, reserve unique names, and append one event with the expected revision.
import type { Knex } from 'knex';
import type { EventStore, ExpectedRevision } from '../adapters/eventStore/port.js';
import { AppError } from '../domain/errors.js';
import type { Position } from '../domain/events/envelope.js';
import type { Lifecycle, LifecycleEvent } from '../domain/lifecycle.js';
import { newEvent, type CommandContext } from './commandContext.js';

export async function loadLifecycle(
  store: Pick<EventStore, 'readStream'>,
  stream: string,
  evolve: (s: Lifecycle, e: LifecycleEvent) => Lifecycle,
): Promise<{
  state: Lifecycle;
  revision: bigint | 'no_stream';
  events: Awaited<ReturnType<EventStore['readStream']>>;
}> {
  const events = await store.readStream(stream);
  const last = events[events.length - 1];
  return {
    state: events.reduce(evolve, 'none' as Lifecycle),
    revision: last ? last.revision : 'no_stream',
    events,
  };
}

export async function appendOne(
  store: Pick<EventStore, 'append'>,
  stream: string,
  expected: ExpectedRevision,
  type: string,
  data: Record<string, unknown>,
  ctx: CommandContext,
  extra: { instanceId?: string } = {},
): Promise<Position> {
  const { position } = await store.append(stream, [newEvent(ctx, type, data, extra)], {
    expectedRevision: expected,
  });
  return position;
}

const nameKey = (name: string) => name.trim().toLowerCase();

/**
 * Takes `name` for `owner` in `scope` (case-insensitive), releasing the owner's previous name. A concurrent
 * taker of the same name waits on the unique index and then finds it held: NAME_EXISTS.
 */
export async function reserveName(
  trx: Knex.Transaction,
  scope: string,
  name: string,
  owner: string,
): Promise<void> {
  const key = nameKey(name);
  await trx('name_reservations').where({ scope, owner_id: owner }).whereNot({ name_key: key }).delete();
  await trx('name_reservations')
    .insert({ scope, name_key: key, owner_id: owner })
    .onConflict(['scope', 'name_key'])
    .ignore();
  const holder = await trx<{ scope: string; name_key: string; owner_id: string }>('name_reservations')
    .where({ scope, name_key: key })
    .first('owner_id');
  if (holder?.owner_id !== owner)
    throw new AppError('NAME_EXISTS', `the name '${name}' is taken`, { field: 'name' });
}
