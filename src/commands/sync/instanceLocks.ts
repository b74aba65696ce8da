// Per-instance advisory locks of one running session (two syncs of one instance and category never
// interleave), all held on one pooled connection, which takes one query at a time.
import type pg from 'pg';

/**
 * The advisory locks of one session's instances, all held on ONE pooled connection (session-level locks
 * belong to a connection). A connection per running instance would take `concurrency` connections from
 * the pool the event store appends through: at a concurrency of the pool's size every instance would
 * hold a lock and wait forever for a connection to append its first event. Another session uses another
 * connection, so two sessions still exclude each other; the connection goes back to the pool whenever no
 * lock is held or being taken. Its queries go one after the other (pg would otherwise queue them itself,
 * deprecated in pg 8 and an error in pg 9).
 */
export class InstanceLocks {
  private client: Promise<pg.PoolClient> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private broken = false;
  private users = 0;
  /** The keys held (or being given back) through this object. */
  private readonly held = new Set<string>();
  private readonly onError = () => {
    this.broken = true;
  };

  constructor(private readonly pool: pg.Pool) {}

  async tryLock(key: string): Promise<(() => Promise<void>) | undefined> {
    return (await this.tryLockAny([key]))?.unlock;
  }

  /**
   * Takes the first free lock of `keys` (in their order; one round trip, at most one lock) and answers
   * its key with the function that gives it back, or undefined when every one is held, here or elsewhere.
   * Advisory locks are re-entrant on their connection, so the keys held through this object are
   * remembered and never taken twice: two callers asking at once for one key get it once.
   */
  async tryLockAny(
    keys: readonly string[],
  ): Promise<{ key: string; unlock: () => Promise<void> } | undefined> {
    this.users++;
    try {
      const client = await (this.client ??= this.connect());
      const key = await this.serially(async () => {
        const free = keys.filter((k) => !this.held.has(k));
        if (free.length === 0) return undefined;
        const { rows } = await client.query<{ i: number | null }>(
          `SELECT whalefall_try_advisory_lock_any($1::text[]) AS i`,
          [free],
        );
        const taken = rows[0]?.i == null ? undefined : free[rows[0].i - 1];
        if (taken !== undefined) this.held.add(taken);
        return taken;
      });
      if (key === undefined) {
        this.done();
        return undefined;
      }
      return {
        key,
        unlock: async () => {
          await this.serially(() => client.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [key]))
            .catch(() => (this.broken = true))
            .finally(() => this.held.delete(key));
          this.done();
        },
      };
    } catch (err) {
      this.broken = true;
      this.done();
      throw err;
    }
  }

  /** Runs `query` once every query sent before it on the shared connection has returned. */
  private serially<T>(query: () => Promise<T>): Promise<T> {
    const run = this.queue.then(query);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async connect(): Promise<pg.PoolClient> {
    const client = await this.pool.connect();
    // A connection lost while checked out emits 'error' on the client: its locks are gone with it.
    client.on('error', this.onError);
    return client;
  }

  /** The last user gives the connection back; a broken one (or one a lock may be left on) is discarded. */
  private done(): void {
    if (--this.users > 0) return;
    const client = this.client;
    const broken = this.broken;
    this.client = undefined;
    this.broken = false;
    void client?.then(
      (c) => {
        c.removeListener('error', this.onError);
        c.release(broken);
      },
      () => undefined,
    );
  }
}
