// Work that the runners of one process ask for in the same turn of the event loop, handed over together:
// an append wakes every runner at once, and their checkpoint writes and transactions can share a
// statement or a transaction instead of one each.
import type { Knex } from 'knex';

/** One runner's request, with how to answer it. */
export type Gathered<T> = T & { done: (err?: Error) => void };

/**
 * Adds `item` to the requests of this turn for this pool; `send` gets them all in the next turn. At most
 * one request per projection goes in one hand-over (one statement may move a checkpoint row once): a
 * second one starts the next.
 */
export function gatherInTick<T extends { projection: string }>(
  pending: WeakMap<Knex, Gathered<T>[]>,
  knex: Knex,
  item: T,
  send: (items: Gathered<T>[]) => Promise<void>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let queue = pending.get(knex);
    if (queue?.some((q) => q.projection === item.projection)) queue = undefined;
    if (!queue) {
      const fresh: Gathered<T>[] = [];
      queue = fresh;
      pending.set(knex, fresh);
      setImmediate(() => {
        if (pending.get(knex) === fresh) pending.delete(knex);
        void send(fresh);
      });
    }
    queue.push({ ...item, done: (err?: Error) => (err === undefined ? resolve() : reject(err)) });
  });
}

export const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));
