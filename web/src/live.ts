// Live session updates for the sessions pages: the server's event stream (GET /api/v1/events/stream,
// Server-Sent Events `event: session` with at least {session_id, status}; ?session_id= follows one
// session) while it is open, and a poll every 2 s whenever it is not (not offered, refused, reconnecting).
// An event is only a hint: the page fetches the session again through the typed client, and never renders
// more of the payload than its status.
import { useCallback, useEffect, useRef } from 'preact/hooks';

export interface LiveSessionEvent {
  session_id: string;
  status: string;
}

/** The poll period while the stream is not open. */
export const POLL_MS = 2000;
/** A stream the server closed (or never offered) is tried again after this long. */
const REOPEN_MS = 30_000;
/** The stream's path: EventSource cannot go through openapi-fetch, so it is spelled here once. */
const STREAM_PATH = '/api/v1/events/stream';

function parse(text: string): LiveSessionEvent | undefined {
  try {
    const v = JSON.parse(text) as Partial<Record<keyof LiveSessionEvent, unknown>>;
    if (typeof v.session_id === 'string' && typeof v.status === 'string')
      return { session_id: v.session_id, status: v.status };
  } catch {
    // not JSON: ignored, the next poll or event brings the truth
  }
  return undefined;
}

/**
 * `fn`, at most once per `ms`: a burst of events costs one fetch at once and one at the end of the window.
 */
export function useThrottled(fn: () => void, ms = 500): () => void {
  const latest = useRef(fn);
  latest.current = fn;
  const state = useRef<{ last: number; timer: ReturnType<typeof setTimeout> | undefined }>({
    last: 0,
    timer: undefined,
  });
  useEffect(() => () => clearTimeout(state.current.timer), []);
  return useCallback(() => {
    const s = state.current;
    const wait = s.last + ms - Date.now();
    if (wait <= 0) {
      s.last = Date.now();
      latest.current();
    } else
      s.timer ??= setTimeout(() => {
        s.timer = undefined;
        s.last = Date.now();
        latest.current();
      }, wait);
  }, [ms]);
}

/**
 * Calls `onEvent(event)` for each session event of the stream, and `onEvent(undefined)` on every poll tick
 * while the stream is not open (and once when it opens, to catch up on what was missed). Ticks are skipped
 * while the tab is hidden.
 */
export function useLiveSessions(
  onEvent: (event: LiveSessionEvent | undefined) => void,
  sessionId?: string,
): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    let source: EventSource | undefined;
    let poll: ReturnType<typeof setInterval> | undefined;
    let reopen: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const tick = () => document.visibilityState === 'visible' && handler.current(undefined);
    const startPolling = () => {
      poll ??= setInterval(tick, POLL_MS);
    };
    const stopPolling = () => {
      if (poll !== undefined) clearInterval(poll);
      poll = undefined;
    };
    const open = () => {
      reopen = undefined;
      startPolling(); // until the stream is open
      if (typeof EventSource === 'undefined') return;
      const query = sessionId ? `?session_id=${encodeURIComponent(sessionId)}` : '';
      const es = new EventSource(`${STREAM_PATH}${query}`);
      source = es;
      es.onopen = () => {
        stopPolling();
        handler.current(undefined);
      };
      es.addEventListener('session', (m: MessageEvent<string>) => {
        const event = parse(m.data);
        if (event && (!sessionId || event.session_id === sessionId)) handler.current(event);
      });
      es.onerror = () => {
        if (stopped) return;
        startPolling();
        // CONNECTING: the browser reconnects by itself. CLOSED: an answer that is not a stream (404, 401).
        if (es.readyState === EventSource.CLOSED) {
          es.close();
          source = undefined;
          reopen ??= setTimeout(open, REOPEN_MS);
        }
      };
    };
    open();
    return () => {
      stopped = true;
      source?.close();
      stopPolling();
      if (reopen !== undefined) clearTimeout(reopen);
    };
  }, [sessionId]);
}
