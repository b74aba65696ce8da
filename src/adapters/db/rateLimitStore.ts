// An express-rate-limit Store on PostgreSQL (table rate_limit_hits), so every process on one database
// shares the login limiters' counters: N `serve` processes do not give N times the attempts. One row per
// key (the limiter's prefix, then its key); a hit is ONE statement (insert, or add one, or start a new
// window when the row's ended) so concurrent processes never lose a count, and windows are measured on
// the database clock (now()), never a process's. Errors (the database away) reach the limiter, which
// passes them to the error handler (503 DATABASE_UNAVAILABLE): see decisions.md, "Login rate limits
// shared in PostgreSQL".
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { Knex } from 'knex';

const TABLE = 'rate_limit_hits';

interface HitRow {
  hits: number;
  reset_at: Date;
}

const info = (row: HitRow): ClientRateLimitInfo => ({ totalHits: row.hits, resetTime: row.reset_at });

export class PostgresRateLimitStore implements Store {
  /** Keys counted here are seen by every other instance on the same table (not local to this one). */
  readonly localKeys = false;
  private windowMs: number | undefined;

  /** `prefix` sets one limiter's keys apart from another's (e.g. `login-user:`, `login-address:`). */
  constructor(
    private readonly knex: Knex,
    readonly prefix: string,
  ) {}

  /** Called once by rateLimit() with its options: the window comes from there. */
  init(options: Pick<Options, 'windowMs'>): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    if (this.windowMs === undefined) throw new Error('PostgresRateLimitStore: init() was not called');
    const { rows } = await this.knex.raw<{ rows: HitRow[] }>(
      `INSERT INTO ${TABLE} AS r (key, hits, reset_at)
         VALUES (?, 1, now() + ? * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE SET
         hits     = CASE WHEN r.reset_at <= now() THEN 1 ELSE r.hits + 1 END,
         reset_at = CASE WHEN r.reset_at <= now() THEN EXCLUDED.reset_at ELSE r.reset_at END
       RETURNING hits, reset_at`,
      [this.prefix + key, this.windowMs],
    );
    return info(rows[0]!);
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const { rows } = await this.knex.raw<{ rows: HitRow[] }>(
      `SELECT hits, reset_at FROM ${TABLE} WHERE key = ? AND reset_at > now()`,
      [this.prefix + key],
    );
    return rows[0] ? info(rows[0]) : undefined;
  }

  /** Gives a hit back (a successful login, with skipSuccessfulRequests), within the same window only. */
  async decrement(key: string): Promise<void> {
    await this.knex.raw(
      `UPDATE ${TABLE} SET hits = hits - 1 WHERE key = ? AND hits > 0 AND reset_at > now()`,
      [this.prefix + key],
    );
  }

  async resetKey(key: string): Promise<void> {
    await this.knex.raw(`DELETE FROM ${TABLE} WHERE key = ?`, [this.prefix + key]);
  }

  /** Resets this limiter's keys (its prefix), not the other limiters'. */
  async resetAll(): Promise<void> {
    await this.knex.raw(`DELETE FROM ${TABLE} WHERE left(key, ?) = ?`, [this.prefix.length, this.prefix]);
  }
}

/** Deletes the rows whose window ended (for a periodic cleanup); resolves with how many. */
export async function pruneRateLimitHits(knex: Knex): Promise<number> {
  const { rowCount } = await knex.raw<{ rowCount: number }>(`DELETE FROM ${TABLE} WHERE reset_at <= now()`);
  return rowCount;
}
