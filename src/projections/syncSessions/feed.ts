// Live session updates for the event stream (GET /events/stream). One subscription to the log per process
// (subscribeAll: the store's LISTEN/NOTIFY wake-ups, polling as a fallback), shared by every listener,
// opened with the first and closed with the last. For the events on session streams it waits until the
// sync_sessions projection has applied them (in this process or in the one leading it), then reads those
// sessions' rows with their progress and hands each to every listener: what a listener gets is what
// GET /sync-sessions shows from then on. Events arriving while a batch is read are coalesced into the
// next, so a fleet-wide sync costs a read per batch, not per event.
import type { Subscription } from 'rxjs';
import type { EventStore } from '../../adapters/eventStore/port.js';
import { AppError, errorMessage } from '../../domain/errors.js';
import type { Position, RecordedEvent } from '../../domain/events/envelope.js';
import { sessionStream } from '../../domain/sessions/events.js';
import type { Logger } from '../../logger.js';
import type { SessionWithProgress } from './dashboard.js';

/** A session's row after the projection applied its latest events, and the type of the last of them. */
export type SessionUpdate = SessionWithProgress & { last_event_type: string };

export interface SessionListener {
  update(session: SessionUpdate): void;
  /** The feed is closing (the server shuts down): end the stream. */
  end(): void;
}

export interface SessionFeed {
  /**
   * Resolves once the listener will get every session change after this moment, and the rows read from
   * then on hold every change before it (the projection has applied them), with the function that
   * removes it. Rejects when the log cannot be read (the database is away) or the feed is closed.
   */
  subscribe(listener: SessionListener): Promise<() => void>;
  /** The listeners now (each open stream is one). */
  readonly size: number;
  /** Ends every listener and the subscription (shutdown). */
  close(): void;
}

export interface SessionFeedDeps {
  store: Pick<EventStore, 'subscribeAll' | 'headPosition'>;
  /** The sessions of these ids that have a row, with their progress (sessionsWithProgress). */
  read(ids: readonly string[]): Promise<SessionWithProgress[]>;
  /** Resolves once the sync_sessions read tables reflect the log up to the position (or rejects on timeout). */
  applied(position: Position): Promise<void>;
  logger: Logger;
  /** After the subscription failed (the database went away), wait this long before opening it again. */
  retryMs?: number;
}

const sessionPrefix = sessionStream('');

export function createSessionFeed(deps: SessionFeedDeps): SessionFeed {
  const { store, logger } = deps;
  const retryMs = deps.retryMs ?? 1000;
  const listeners = new Set<SessionListener>();
  let subscription: Subscription | undefined;
  let opening: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;
  /** The last event seen: a subscription opened again resumes after it, so nothing is missed. */
  let seen: Position | undefined;
  /** Sessions with events not yet handed out (id -> type of the latest), and the position they reach. */
  let pending = new Map<string, string>();
  let pendingUpTo: Position | undefined;
  let flushing = false;
  let closed = false;

  const onEvent = (event: RecordedEvent) => {
    seen = event.position;
    if (!event.streamId.startsWith(sessionPrefix)) return;
    pending.set(event.streamId.slice(sessionPrefix.length), event.type);
    pendingUpTo = event.position;
    if (!flushing) void flush();
  };

  const connect = (from: Position) => {
    subscription = store.subscribeAll({ fromPosition: from }).subscribe({
      next: onEvent,
      error: (err: unknown) => {
        subscription = undefined;
        logger.warn(
          { err: { message: errorMessage(err) } },
          'session feed: reading the log failed; retrying',
        );
        if (closed || listeners.size === 0) return;
        retry = setTimeout(() => {
          retry = undefined;
          if (!closed && listeners.size > 0 && !subscription) connect(seen ?? from);
        }, retryMs);
      },
    });
  };

  const open = async (): Promise<void> => {
    if (subscription || retry) return;
    // One head read for the listeners that come meanwhile; cleared once settled (never synchronously).
    opening ??= store
      .headPosition()
      .then((head) => {
        if (!subscription && !retry && !closed && listeners.size > 0) connect((seen = head));
      })
      .finally(() => {
        opening = undefined;
      });
    await opening;
  };

  const shut = () => {
    subscription?.unsubscribe();
    subscription = undefined;
    clearTimeout(retry);
    retry = undefined;
    seen = undefined;
    pending = new Map();
    pendingUpTo = undefined;
  };

  /** Waits until the projection has applied `position`; when it does not get there in time, says so and goes on. */
  const appliedOrBehind = (position: Position, then: string) =>
    deps
      .applied(position)
      .catch((err: unknown) =>
        logger.warn(
          { err: { message: errorMessage(err) } },
          `session feed: the sessions projection is behind; ${then}`,
        ),
      );

  async function flush(): Promise<void> {
    flushing = true;
    try {
      while (pending.size > 0 && listeners.size > 0) {
        const batch = pending;
        const upTo = pendingUpTo!;
        pending = new Map();
        await appliedOrBehind(upTo, 'sending the rows it has');
        for (const row of await deps.read([...batch.keys()])) {
          const update = { ...row, last_event_type: batch.get(row.session_id)! };
          for (const listener of listeners) {
            try {
              listener.update(update);
            } catch (err) {
              logger.warn({ err: { message: errorMessage(err) } }, 'session feed: a listener failed');
            }
          }
        }
      }
    } catch (err) {
      logger.warn({ err: { message: errorMessage(err) } }, 'session feed: reading the sessions failed');
    } finally {
      flushing = false;
    }
  }

  return {
    async subscribe(listener) {
      if (closed) throw new AppError('SERVICE_UNAVAILABLE', 'the server is shutting down');
      listeners.add(listener);
      try {
        await open();
      } catch (err) {
        listeners.delete(listener);
        if (listeners.size === 0) shut();
        throw err;
      }
      // The events up to the subscription's start (or its last event seen) reach the listener through
      // reads of the rows, not through the feed: those rows must already hold them. Without this wait an
      // event committed just before the stream opened, and not yet applied, was in neither.
      if (seen) await appliedOrBehind(seen, 'the stream opens on the rows it has');
      return () => {
        if (!listeners.delete(listener)) return;
        if (listeners.size === 0) shut();
      };
    },
    get size() {
      return listeners.size;
    },
    close() {
      closed = true;
      shut();
      const ending = [...listeners];
      listeners.clear();
      for (const listener of ending) listener.end();
    },
  };
}
