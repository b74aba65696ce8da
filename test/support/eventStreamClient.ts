// A server-sent events client for the e2e tests: opens GET /api/v1/events/stream (or any text/event-stream
// URL) with fetch, parses the stream into events and comments as they come, and waits for the ones a test
// expects. A refused request (401, 503, ...) is read as its JSON body instead.
export interface SseEvent {
  event: string;
  data: string;
}

export interface EventStreamClient {
  status: number;
  headers: Headers;
  /** The JSON body of a refused request (status not 200). */
  body: unknown;
  /** Every event so far, in order. */
  readonly events: SseEvent[];
  /** Every comment line so far (': keepalive' gives 'keepalive'). */
  readonly comments: string[];
  /** Resolves when the server has ended the stream. */
  readonly ended: Promise<void>;
  /** The first event (from the start of the stream) that `match` accepts; rejects after timeoutMs. */
  waitFor(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Resolves once `check` holds over what has arrived; rejects after timeoutMs. */
  until(check: () => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

export async function openEventStream(
  url: string,
  headers: Record<string, string>,
): Promise<EventStreamClient> {
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  let body: unknown;
  let done = false;
  let ended: Promise<void> = Promise.resolve();
  if (res.status !== 200 || !res.headers.get('content-type')?.startsWith('text/event-stream')) {
    const text = await res.text();
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  } else {
    ended = (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      let current: SseEvent = { event: 'message', data: '' };
      let hasData = false;
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            if (line === '') {
              if (hasData) events.push(current);
              current = { event: 'message', data: '' };
              hasData = false;
            } else if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('event: ')) current.event = line.slice(7);
            else if (line.startsWith('data: ')) {
              current.data += (hasData ? '\n' : '') + line.slice(6);
              hasData = true;
            }
          }
          notify();
        }
      } catch {
        // aborted by close(), or the connection dropped
      }
      done = true;
      notify();
    })();
  }

  const until = (check: () => boolean, timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      const test = () => {
        if (!check()) return;
        clearTimeout(timer);
        waiters.delete(test);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(test);
        reject(new Error(`not there within ${timeoutMs} ms; events: ${JSON.stringify(events)}`));
      }, timeoutMs);
      waiters.add(test);
      test();
    });

  return {
    status: res.status,
    headers: res.headers,
    body,
    events,
    comments,
    ended,
    until,
    async waitFor(match, timeoutMs) {
      await until(() => events.some(match) || done, timeoutMs);
      const found = events.find(match);
      if (!found) throw new Error(`the stream ended without the event; events: ${JSON.stringify(events)}`);
      return found;
    },
    close: () => abort.abort(),
  };
}
