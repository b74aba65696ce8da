// One LISTEN connection shared by every waiter of a store. Notifications only shorten waits: callers
// always re-read, and a lost connection degrades to polling until it is back.
import type pg from 'pg';

export class PgNotifier {
  private client: pg.PoolClient | undefined;
  private connecting: Promise<void> | undefined;
  private readonly waiters = new Set<() => void>();
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly channel: string,
  ) {}

  /** Resolves on the next notification, after timeoutMs, or when the signal aborts; never rejects. */
  next(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    this.ensureListening();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const w of [...this.waiters]) w();
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('notification');
      await client.query(`UNLISTEN ${this.channel}`).catch(() => undefined);
      client.release();
    }
  }

  private ensureListening(): void {
    if (this.closed || this.client || this.connecting) return;
    this.connecting = this.listen()
      .catch(() => {
        // The pool is unreachable now; waiters fall back to their timeouts. Try again shortly.
        this.retryTimer = setTimeout(() => this.ensureListening(), 1000);
        this.retryTimer.unref();
      })
      .finally(() => {
        this.connecting = undefined;
      });
  }

  private async listen(): Promise<void> {
    const client = await this.pool.connect();
    const wake = () => {
      for (const w of [...this.waiters]) w();
    };
    const drop = () => {
      if (this.client !== client) return;
      this.client = undefined;
      client.release(true);
      wake();
    };
    client.on('notification', wake);
    client.on('error', drop);
    client.on('end', drop);
    await client.query(`LISTEN ${this.channel}`);
    if (this.closed) {
      client.release(true);
      return;
    }
    this.client = client;
  }
}
