// The api benchmark's catch-up: every projection folds the log through its own apply(), in batches, each
// batch in one transaction with its checkpoint (as ProjectionRunner.processBatch does), but the log is
// read ONCE for all of them. The daemon's runners each read the whole log on their own (twelve readers
// of 1.5M events, many of them account syncs of 50 accounts: about an hour here); issue 16 item 7 makes
// the service itself read once. The runners, started after, find their checkpoints at the head.
import type { Knex } from 'knex';
import type { EventStore } from '../src/adapters/eventStore/port.js';
import { comparePositions, type Position, type RecordedEvent } from '../src/domain/events/envelope.js';
import { expectCheckpoint, readCheckpoint, writeCheckpoint } from '../src/projections/checkpoints.js';
import { handles, liveTables, type Projection } from '../src/projections/projection.js';

const BATCH = 2000;
/**
 * Projections that fold one event at a time into rows of one instance (a statement or three per event:
 * on a loaded machine, 1.1M such events take an hour one after the other). For them a batch's events are
 * split by instance into LANES transactions run at once, each instance's events in log order; the events
 * of no instance (AggregationCompleted) follow in the checkpoint's transaction. Only for this setup: the
 * service's runner keeps one transaction per batch.
 */
const BY_INSTANCE = new Set(['capacity', 'instances', 'aggregations']);
const LANES = 6;

const instanceOf = (e: RecordedEvent): string | undefined =>
  (e.data as { instanceId?: unknown }).instanceId as string | undefined;

/** The events in LANES groups by instance (stable order within each), and those of no instance. */
function lanes(events: readonly RecordedEvent[]): { lanes: RecordedEvent[][]; rest: RecordedEvent[] } {
  const out: RecordedEvent[][] = Array.from({ length: LANES }, () => []);
  const rest: RecordedEvent[] = [];
  const lane = new Map<string, number>();
  for (const e of events) {
    const id = instanceOf(e);
    if (id === undefined) {
      rest.push(e);
      continue;
    }
    if (!lane.has(id)) lane.set(id, lane.size % LANES);
    out[lane.get(id)!]!.push(e);
  }
  return { lanes: out, rest };
}

/** Folds every event after each projection's checkpoint into it; returns the events read. */
export async function catchUpOnce(opts: {
  knex: Knex;
  store: EventStore;
  projections: readonly Projection[];
  decode: (e: RecordedEvent) => RecordedEvent;
  progress?: (read: number) => void;
}): Promise<number> {
  const { knex, store, projections, decode } = opts;
  const at = new Map<string, Position>();
  for (const p of projections) at.set(p.name, await readCheckpoint(knex, p.name));
  let from = [...at.values()].reduce((a, b) => (comparePositions(a, b) <= 0 ? a : b));
  let read = 0;
  for (;;) {
    const events = await store.readAll({ fromPosition: from, maxCount: BATCH });
    const last = events.at(-1);
    if (!last) return read;
    read += events.length;
    const decoded = new Map<RecordedEvent, RecordedEvent>();
    const decodeOnce = (e: RecordedEvent) => {
      let d = decoded.get(e);
      if (!d) decoded.set(e, (d = decode(e)));
      return d;
    };
    await Promise.all(
      projections.map(async (p) => {
        const checkpoint = at.get(p.name)!;
        if (comparePositions(checkpoint, last.position) >= 0) return;
        const relevant = events
          .filter((e) => comparePositions(e.position, checkpoint) > 0 && handles(p, e.type))
          .map(decodeOnce);
        let inCheckpointTx = relevant;
        if (BY_INSTANCE.has(p.name)) {
          const split = lanes(relevant);
          await Promise.all(
            split.lanes
              .filter((l) => l.length > 0)
              .map((l) => knex.transaction((trx) => p.apply({ trx, table: liveTables }, l))),
          );
          inCheckpointTx = split.rest;
        }
        await knex.transaction(async (trx) => {
          await expectCheckpoint(trx, p.name, checkpoint);
          if (inCheckpointTx.length > 0) await p.apply({ trx, table: liveTables }, inCheckpointTx);
          await writeCheckpoint(trx, p.name, last.position);
        });
        at.set(p.name, last.position);
      }),
    );
    opts.progress?.(read);
    from = last.position;
  }
}
