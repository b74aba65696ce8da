// One LISTEN connection shared by every waiter of a store, and the NOTIFY that appends send after they
// commit. Notifications only shorten waits: callers always re-read, and a lost connection degrades to
// polling until it is back. Appends by other processes wake us through their own notifier.
import type pg from 'pg';
import type { SqlTransaction } from './port.js';

export type WakeReason = 'notified' | 'timeout' | 'aborted';

export class PgNotifier {
  private client: pg.PoolClient | undefined;
  private connecting: Promise<void> | undefined;
  private readonly waiters = new Set<(reason: WakeReason) => void>();
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private notifying: Promise<void> | undefined;
  private notifyAgain = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly channel: string,
  ) {}

  /** Resolves on the next notification, after timeoutMs, or when the signal aborts; never rejects. */
  next(timeoutMs: number, signal?: AbortSignal): Promise<WakeReason> {
    this.ensureListening();
    return new Promise<WakeReason>((resolve) => {
      const done = (reason: WakeReason) => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', onAbort);
        resolve(reason);
      };
      const onAbort = () => done('aborted');
      const timer = setTimeout(() => done('timeout'), timeoutMs);
      this.waiters.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Tells every listener (in any process) that events were appended. Coalesced: at most one NOTIFY is in
   * flight, and appends that finish meanwhile are covered by one more, so a burst costs two, not N.
   */
  signal(): void {
    if (this.closed) return;
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    this.notifying = (async () => {
      do {
        this.notifyAgain = false;
        await this.pool.query(`SELECT pg_notify('${this.channel}', '')`).catch(() => undefined);
      } while (this.notifyAgain && !this.closed);
    })().finally(() => {
      this.notifying = undefined;
    });
  }

  /**
   * The same NOTIFY, sent inside a caller's transaction: PostgreSQL delivers it at that commit (and drops it
   * on rollback). It holds the notify queue's lock during the commit, which command transactions can afford.
   */
  async signalOnCommit(trx: SqlTransaction): Promise<void> {
    await trx.raw(`SELECT pg_notify('${this.channel}', '')`, []);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.notifying;
    for (const w of [...this.waiters]) w('aborted');
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
    const wake = (reason: WakeReason) => {
      for (const w of [...this.waiters]) w(reason);
    };
    const drop = () => {
      if (this.client !== client) return;
      this.client = undefined;
      client.release(true);
      wake('timeout'); // not a notification: the connection went away
    };
    client.on('notification', () => wake('notified'));
    client.on('error', drop);
    client.on('end', drop);
    try {
      await client.query(`LISTEN ${this.channel}`);
    } catch (err) {
      // A dead idle connection from the pool (the server restarted): give it back broken, or the pool
      // counts it as checked out for ever and pool.end() never finishes.
      client.release(true);
      throw err;
    }
    if (this.closed) {
      client.release(true);
      return;
    }
    this.client = client;
  }
}
