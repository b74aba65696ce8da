// Which process runs each projection when several share one PostgreSQL: the holder of the session-level
// advisory lock `projection:<name>`, all of this process's locks held on ONE connection of its own (not a
// pool's: a pooled connection goes back to other users, and a lock held for the life of the process would
// take a pool's connection for ever). A process without a lock tries again every retryMs; when the holder
// dies its connection closes, PostgreSQL frees the lock, and the next try of a stand-by takes it. Losing
// the connection (error, end, a check that does not answer) loses every lock at once: onLost is called
// synchronously, so the runner stops before its next batch, and this process lets a stand-by's next try
// come first (it waits 1.5 retry intervals before trying again itself). The lock is not what keeps effects exactly
// once (the checkpoint compare-and-set in each batch's transaction is: docs/decisions.md, "Projection
// leadership"); it keeps one process doing the work.
import pg from 'pg';
import { errorMessage } from '../domain/errors.js';
import type { Logger } from '../logger.js';

export const projectionLockKey = (name: string): string => `projection:${name}`;

export interface LeadershipOptions {
  connectionString: string;
  /** The projections to lead. */
  names: readonly string[];
  /** How often a lock not held is tried again (and a held one's connection checked). */
  retryMs: number;
  logger: Logger;
  /** This process now holds the projection's lock. */
  onAcquired(name: string): void;
  /** The lock is gone (or may be): stop applying. Called synchronously from the connection's events. */
  onLost(name: string): void;
}

/** Connecting, or a query on the lock connection, taking longer than this counts as a lost connection. */
const CHECK_TIMEOUT_MS = 5_000;

export class ProjectionLeadership {
  private client: pg.Client | undefined;
  private readonly held = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  /** The try under way: the next one (after a restart too) waits for it, so tries never overlap. */
  private pass: Promise<void> = Promise.resolve();
  private halted = true;
  /** Bumped by halt(): a try still under way from before does not schedule the next one. */
  private generation = 0;
  /** After losing the connection this process does not try again before this time (Date.now()). */
  private yieldUntil = 0;
  /** Connecting failed last time (logged once until it works again). */
  private unreachable = false;

  constructor(private readonly options: LeadershipOptions) {}

  /** Tries for the locks now, then every retryMs. */
  start(): void {
    if (!this.halted) return;
    this.halted = false;
    this.schedule(0);
  }

  /** Whether this process holds the projection's lock (as far as it knows). */
  holds(name: string): boolean {
    return this.held.has(name);
  }

  /** The server process id of the lock connection (for tests and operators: pg_stat_activity, pg_locks). */
  get backendPid(): number | undefined {
    // Set by pg once connected; not in its type definitions.
    const client = this.client as { processID?: number | null } | undefined;
    return client?.processID ?? undefined;
  }

  /**
   * No more tries; the locks held stay held until release(). A try under way is not waited for (it may be
   * connecting to a server that does not answer): a lock it takes now is not reported (the daemon ignores
   * it) and goes with the connection at release(), which also ends a connection still being opened.
   */
  halt(): Promise<void> {
    this.halted = true;
    this.generation++;
    clearTimeout(this.timer);
    this.timer = undefined;
    return Promise.resolve();
  }

  /** Closes the lock connection: PostgreSQL frees every lock, and a stand-by takes over. */
  async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.held.clear();
    if (client) await endWithin(client, 1_000);
  }

  async stop(): Promise<void> {
    await this.halt();
    await this.release();
  }

  private schedule(ms: number): void {
    if (this.halted) return;
    const generation = this.generation;
    this.timer = setTimeout(() => {
      this.pass = this.pass
        .then(() => (generation === this.generation ? this.tryOnce() : undefined))
        .finally(() => {
          if (generation === this.generation) this.schedule(this.options.retryMs);
        });
    }, ms);
  }

  private async tryOnce(): Promise<void> {
    const { names, logger } = this.options;
    if (Date.now() < this.yieldUntil) return;
    try {
      const client = this.client ?? (await this.connect());
      if (this.halted || client !== this.client) return;
      const wanted = names.filter((n) => !this.held.has(n));
      if (wanted.length === 0) {
        // Everything held: make sure the connection (and so the locks) is still there.
        await client.query('SELECT 1');
        return;
      }
      // Only the locks not held: taking a held one again would stack a second hold on it.
      const { rows } = await client.query<{ i: string; ok: boolean }>(
        `SELECT k.i, pg_try_advisory_lock(hashtextextended(k.key, 0)) AS ok
         FROM unnest($1::text[]) WITH ORDINALITY AS k(key, i) ORDER BY k.i`,
        [wanted.map(projectionLockKey)],
      );
      if (client !== this.client) return; // lost while asking: whatever it answered is gone with it
      for (const { i, ok } of rows) {
        const name = wanted[Number(i) - 1];
        if (!ok || name === undefined) continue;
        this.held.add(name);
        logger.info({ projection: name }, 'leading the projection');
        this.options.onAcquired(name);
      }
    } catch (err) {
      // A query that failed or timed out leaves the connection in doubt: drop it, and with it the locks.
      if (this.client) this.lose(this.client, errorMessage(err));
      else if (!this.unreachable) {
        this.unreachable = true;
        logger.warn(
          { err: { message: errorMessage(err) } },
          'projection leadership: cannot connect (trying again every retry interval)',
        );
      }
    }
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      application_name: 'whalefall projection leadership',
      keepAlive: true,
      connectionTimeoutMillis: CHECK_TIMEOUT_MS,
      // A query that does not answer in time is a failure (the connection is then dropped).
      query_timeout: CHECK_TIMEOUT_MS,
    });
    // Without an 'error' listener a connection the server drops would crash the process.
    client.on('error', (err) => this.lose(client, err.message));
    client.on('end', () => this.lose(client, 'the connection ended'));
    this.client = client;
    try {
      await client.connect();
      this.unreachable = false;
    } catch (err) {
      if (this.client === client) this.client = undefined;
      client.removeAllListeners();
      client.on('error', () => undefined);
      throw err;
    }
    return client;
  }

  /** The lock connection is gone or in doubt: every lock on it counts as lost, at once. */
  private lose(client: pg.Client, reason: string): void {
    if (client !== this.client) return;
    this.client = undefined;
    // A stand-by tries within retryMs: let it win, rather than flap back to a process whose connection failed.
    this.yieldUntil = Date.now() + this.options.retryMs * 1.5;
    const lost = [...this.held];
    this.held.clear();
    if (lost.length > 0)
      this.options.logger.warn({ projections: lost, reason }, 'lost the projection locks: standing by');
    for (const name of lost) this.options.onLost(name);
    void endWithin(client, 1_000);
  }
}

/** Ends a client without waiting for ever on a socket that no longer answers. */
async function endWithin(client: pg.Client, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.end().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
