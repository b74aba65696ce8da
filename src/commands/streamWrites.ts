// Helpers shared by commands on simple aggregates (credentials, instances): load the lifecycle from the
// stream, reserve unique names, and append one event with the expected revision, in the transaction that
// wrote the rows it goes with.
import type { Knex } from 'knex';
import {
  TransactionalAppendUnsupportedError,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type SqlTransaction,
} from '../adapters/eventStore/port.js';
import { AppError } from '../domain/errors.js';
import type { EventData, Position } from '../domain/events/envelope.js';
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

/**
 * Appends inside `trx`, so the rows written there and the events commit together, or neither. A store that
 * cannot join it (KurrentDB) refuses before sending anything; then the events go on their own, still
 * before `trx` commits: a failed append rolls the rows back, a crash between the two leaves the events
 * without their rows (docs/decisions.md, "Appends inside a caller's transaction").
 */
export async function appendWithRows(
  store: Pick<EventStore, 'append'>,
  trx: SqlTransaction | undefined,
  stream: string,
  events: readonly EventData[],
  expectedRevision: ExpectedRevision,
): Promise<AppendResult> {
  if (!trx) return store.append(stream, events, { expectedRevision });
  try {
    return await store.append(stream, events, { expectedRevision, transaction: trx });
  } catch (err) {
    if (!(err instanceof TransactionalAppendUnsupportedError)) throw err;
    return store.append(stream, events, { expectedRevision });
  }
}

export async function appendOne(
  store: Pick<EventStore, 'append'>,
  stream: string,
  expected: ExpectedRevision,
  type: string,
  data: Record<string, unknown>,
  ctx: CommandContext,
  extra: { instanceId?: string; within?: SqlTransaction } = {},
): Promise<Position> {
  const event = newEvent(ctx, type, data, { instanceId: extra.instanceId });
  const { position } = await appendWithRows(store, extra.within, stream, [event], expected);
  return position;
}

/** The key a name is reserved under: names are unique case-insensitively, spaces around ignored. */
export const nameKey = (name: string) => name.trim().toLowerCase();

/** Another owner than `owner` holds `name` in `scope` (case-insensitively): a decider's nameTaken. */
export async function nameHeldByOther(
  trx: Knex.Transaction,
  scope: string,
  name: string,
  owner: string,
): Promise<boolean> {
  const holder = await trx('name_reservations')
    .where({ scope, name_key: nameKey(name) })
    .first<{ owner_id: string } | undefined>('owner_id');
  return holder !== undefined && holder.owner_id !== owner;
}

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

/**
 * Runs a load-decide-append again when another write appended to the stream in between (its expected
 * revision refused): the second of two concurrent edits is decided on the state the first left.
 */
export async function retryOnConflict<T>(run: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof WrongExpectedRevisionError) || attempt >= attempts) throw err;
    }
  }
}
