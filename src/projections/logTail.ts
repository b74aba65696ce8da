// How a leading projection runner waits for the log: it runs its step (read a batch, apply it) now and
// after each append, until stopped.
import { firstValueFrom, map, race, take, timer } from 'rxjs';
import type { Position } from '../domain/events/envelope.js';
import type { EventStore, LogRead } from '../adapters/eventStore/port.js';
import { untilAborted } from './abortable.js';

/**
 * Through the store's followLog when it has one: one wait per wake-up, registered before the step's own
 * read. Otherwise a subscription opened after each step from the checkpoint, ended by its first event,
 * by idleWaitMs or by the stop.
 */
export async function tailLog(
  store: Pick<EventStore, 'followLog' | 'subscribeAll'>,
  step: () => Promise<LogRead>,
  signal: AbortSignal,
  options: { idleWaitMs: number; checkpoint: () => Position },
): Promise<void> {
  if (store.followLog) return store.followLog(step, signal);
  while (!signal.aborted) {
    if ((await step()) === 'more' || signal.aborted) continue;
    const next$ = store.subscribeAll({ fromPosition: options.checkpoint() }).pipe(
      take(1),
      map(() => undefined),
    );
    await untilAborted(
      signal,
      firstValueFrom(race(next$, timer(options.idleWaitMs).pipe(map(() => undefined)))),
    );
  }
}
