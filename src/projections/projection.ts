// What a projection is: the read tables it owns, the event types it reads, and a batch handler that
// writes through the transaction it is given (the runner commits the checkpoint in the same one).
import type { Knex } from 'knex';
import type { RecordedEvent } from '../domain/events/envelope.js';

export interface ProjectionContext {
  readonly trx: Knex.Transaction;
  /** The physical name of one of the projection's tables: the live table, or its twin during a rebuild. */
  readonly table: (name: string) => string;
}

export interface Projection {
  readonly name: string;
  /** The read tables this projection owns. A rebuild clones, fills and swaps exactly these. No foreign keys, no views on them. */
  readonly tables: readonly string[];
  /** Event types handled; the rest only move the checkpoint. '*' handles every type. */
  readonly eventTypes: readonly string[] | '*';
  /** Applies events in log order. Must be deterministic: derive times from the events, not from now(). */
  readonly apply: (ctx: ProjectionContext, events: readonly RecordedEvent[]) => Promise<void>;
}

export const handles = (projection: Projection, type: string): boolean =>
  projection.eventTypes === '*' || projection.eventTypes.includes(type);

/** For projections that handle one event at a time. */
export const eachEvent =
  (handler: (ctx: ProjectionContext, event: RecordedEvent) => Promise<void>): Projection['apply'] =>
  async (ctx, events) => {
    for (const event of events) await handler(ctx, event);
  };

export const liveTables: ProjectionContext['table'] = (name) => name;
