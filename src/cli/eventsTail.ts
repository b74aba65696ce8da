// `whalefall events tail`: follows the log until Ctrl-C. When the store goes away (the server restarts,
// its embedded PostgreSQL with it) the tail says so, tries again with backoff, and goes on after the last
// event it printed: nothing is skipped and nothing printed twice.
import type { EventStore } from '../adapters/eventStore/port.js';
import { formatPosition, type Position, type RecordedEvent } from '../domain/events/envelope.js';
import { errorMessage } from '../domain/errors.js';

export interface TailOptions {
  from: Position | 'start';
  /** Only this stream's events are printed (the position still moves on every event). */
  stream?: string | undefined;
  print: (e: RecordedEvent) => void;
  /** A line about the tail itself (lost, reconnected), for stderr. */
  note: (line: string) => void;
  /** Resolves when the tail should end (a signal). */
  until: Promise<unknown>;
  /** Backoff between reconnection attempts: first and largest wait. */
  retryMs?: { first: number; max: number };
}

const sleep = (ms: number, until: Promise<unknown>) =>
  Promise.race([new Promise((r) => setTimeout(r, ms).unref()), until]);

/** Follows the log from `from` until `until` resolves. */
export async function tailEvents(store: Pick<EventStore, 'subscribeAll' | 'headPosition'>, o: TailOptions) {
  const retry = o.retryMs ?? { first: 500, max: 10_000 };
  let position = o.from;
  let stopped = false;
  void o.until.then(() => (stopped = true));
  while (!stopped) {
    // Runs one subscription until it fails (resolves with the error) or the tail ends (undefined).
    const failure = await new Promise<unknown>((resolve) => {
      const subscription = store.subscribeAll({ fromPosition: position }).subscribe({
        next: (e) => {
          position = e.position;
          if (!o.stream || e.streamId === o.stream) o.print(e);
        },
        error: (err: unknown) => resolve(err ?? new Error('the subscription ended')),
      });
      void o.until.then(() => {
        subscription.unsubscribe();
        resolve(undefined);
      });
    });
    if (failure === undefined || stopped) return;
    const after = position === 'start' ? 'the start' : `position ${formatPosition(position)}`;
    o.note(`lost the event store (${errorMessage(failure)}); reconnecting, to go on after ${after}`);
    for (let wait = retry.first; !stopped; wait = Math.min(wait * 2, retry.max)) {
      await sleep(wait, o.until);
      if (stopped) return;
      try {
        await store.headPosition();
        o.note(`reconnected to the event store; going on after ${after}`);
        break;
      } catch (err) {
        o.note(
          `still no event store (${errorMessage(err)}); next try in ${Math.min(wait * 2, retry.max)} ms`,
        );
      }
    }
  }
}
