// The first pass of a rebuild (rebuild.ts): the log read once in batches, each batch split among the
// projections, and each projection fed its events in log order, in applies of up to `batchSize` of its
// own events, each apply in a transaction of its own.
// - A projection's events of several read batches are applied together: a projection that reads a
//   seventh of the log applied every read batch rewrote its rows (an account's, a period's figures) once
//   per read batch where once per `batchSize` of its own events gives the same rows (a projection's
//   rows do not depend on how its events are batched: the live runners' and the rebuilds' tests hold it).
// - No projection waits for the others: up to `parallel` applies run at once, the oldest first, and
//   reading goes on while fewer than `lookahead` applies wait for a connection.
// Memory: the events a projection holds back are at most `maxHoldBatches` read batches old.
import type { Position, RecordedEvent } from '../domain/events/envelope.js';

export interface PassOptions {
  /** Where the pass starts reading. */
  from: Position;
  /** Reads the next batch after `from`: `batchSize` events, fewer at the end of the log. */
  read: (from: Position) => Promise<RecordedEvent[]>;
  batchSize: number;
  /** One share per projection, in their order (an empty share: the projection has nothing to do). */
  split: (batch: readonly RecordedEvent[]) => RecordedEvent[][];
  /** Applies and commits events of projection i. */
  apply: (i: number, events: readonly RecordedEvent[]) => Promise<void>;
  projections: number;
  /** How many applies run at once. */
  parallel: number;
  /** Reading pauses while this many applies wait for a connection. */
  lookahead: number;
  /** A projection's held events are applied once the oldest is this many read batches old. */
  maxHoldBatches: number;
  /** After each read batch has been handed to every projection (awaited before the pass ends). */
  onRead: (events: number, position: Position) => void | Promise<void>;
}

interface Job {
  seq: number;
  events: RecordedEvent[];
}

/** Runs the pass to the end of the log; answers the last position read (`from` when there was none). */
export function firstPass(o: PassOptions): Promise<Position> {
  const held = Array.from({ length: o.projections }, (): RecordedEvent[] => []);
  const heldSince = held.map(() => 0); // the read batch of a projection's oldest held event
  const queued = held.map((): Job[] => []);
  const busy = held.map(() => false);
  let jobs = 0; // applies created (their order)
  let waiting = 0; // applies queued, not started
  let reads = 0;
  let running = 0;
  let reading = false;
  let ended = false;
  let settled = false;
  let last = o.from;
  let failure: { error: unknown } | undefined;
  let progress: Promise<void> = Promise.resolve();

  return new Promise((resolve, reject) => {
    const fail = (error: unknown) => {
      failure ??= { error };
      pump();
    };
    const cut = (i: number, events: RecordedEvent[]) => {
      queued[i]!.push({ seq: jobs++, events });
      waiting++;
    };
    const hand = (shares: RecordedEvent[][]) => {
      for (const [i, share] of shares.entries()) {
        const h = held[i]!;
        if (share.length > 0) {
          if (h.length === 0) heldSince[i] = reads;
          for (const e of share) h.push(e);
        }
        if (h.length >= o.batchSize) {
          // What stays held came with this batch (held events were fewer than a batch before it).
          while (h.length >= o.batchSize) cut(i, h.splice(0, o.batchSize));
          heldSince[i] = reads;
        }
        if (h.length > 0 && (ended || reads - heldSince[i]! >= o.maxHoldBatches)) cut(i, h.splice(0));
      }
    };
    const startRead = () => {
      reading = true;
      o.read(last).then(
        (events) => {
          reading = false;
          reads++;
          if (events.length < o.batchSize) ended = true;
          if (events.length > 0) last = events[events.length - 1]!.position;
          hand(events.length > 0 ? o.split(events) : held.map(() => []));
          const at = last;
          progress = progress.then(() => o.onRead(events.length, at));
          progress.catch(fail);
          pump();
        },
        (error: unknown) => {
          reading = false;
          fail(error);
        },
      );
    };
    /** The projection whose next apply is the oldest, or -1. */
    const pick = () => {
      let best = -1;
      for (let i = 0; i < o.projections; i++) {
        if (busy[i] || queued[i]!.length === 0) continue;
        if (best < 0 || queued[i]![0]!.seq < queued[best]![0]!.seq) best = i;
      }
      return best;
    };
    const start = (i: number) => {
      const job = queued[i]!.shift()!;
      waiting--;
      busy[i] = true;
      running++;
      o.apply(i, job.events).then(
        () => {
          busy[i] = false;
          running--;
          pump();
        },
        (error: unknown) => {
          running--;
          fail(error);
        },
      );
    };
    const pump = () => {
      if (settled) return;
      if (failure) {
        // Settle only once no apply is still writing into the twins (the caller drops them).
        if (running === 0 && !reading) {
          settled = true;
          const { error } = failure;
          reject(error instanceof Error ? error : new Error(String(error)));
        }
        return;
      }
      for (let i = pick(); i >= 0 && running < o.parallel; i = pick()) start(i);
      if (!reading && !ended && waiting < o.lookahead) startRead();
      else if (ended && !reading && running === 0 && waiting === 0) {
        settled = true;
        progress.then(() => resolve(last), reject);
      }
    };
    pump();
  });
}
