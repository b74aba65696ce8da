// A tiny pool of tedious Connections: tedious has none, and a Connection runs one request at a time.
// At most `size` connections are open; callers beyond that wait (bounded) in a queue. A connection that
// ended, errored or overran its deadline is discarded, never reused. Every connect and every request
// has the driver's timeout plus our own deadline behind it, in case the driver's cancel hangs.
import { Connection, Request, RequestError, TYPES, type ConnectionConfiguration } from 'tedious';
import { EngineError } from '../port.js';
import { mapSqlserverError } from './errors.js';

export type SqlRow = Record<string, unknown>;

/** What the adapter needs from a pool: run one statement, with NVARCHAR parameters. */
export interface SqlRunner {
  query(sql: string, params?: Readonly<Record<string, string>>): Promise<SqlRow[]>;
  close(): Promise<void>;
}

export interface TediousPoolOptions {
  size: number;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
  /** Removed from every error message (the password). */
  secrets: readonly string[];
  /** Time the driver gets to report its own timeout (and cancel) before our deadline closes the socket. */
  driverGraceMs?: number;
}

const DRIVER_GRACE_MS = 6_000;

interface ColumnValue {
  metadata: { colName: string };
  value: unknown;
}

interface Waiter {
  resolve: (conn: Connection) => void;
  reject: (err: unknown) => void;
  timer: NodeJS.Timeout;
}

export class TediousPool implements SqlRunner {
  private readonly idle: Connection[] = [];
  private readonly live = new Set<Connection>();
  private readonly broken = new WeakSet<Connection>();
  private readonly ended = new WeakSet<Connection>();
  private readonly waiters: Waiter[] = [];
  /** Connections open or being opened: never more than options.size. */
  private count = 0;
  private closed = false;

  constructor(
    private readonly config: ConnectionConfiguration,
    private readonly options: TediousPoolOptions,
  ) {}

  async query(sql: string, params: Readonly<Record<string, string>> = {}): Promise<SqlRow[]> {
    const conn = await this.acquire();
    try {
      return await this.run(conn, sql, params);
    } finally {
      this.release(conn);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new EngineError('DATABASE_CONNECTION_ERROR', 'the SQL Server adapter was closed'));
    }
    this.idle.length = 0;
    await Promise.all([...this.live].map((conn) => this.end(conn)));
    this.live.clear();
  }

  private async acquire(): Promise<Connection> {
    if (this.closed) throw new EngineError('DATABASE_CONNECTION_ERROR', 'the SQL Server adapter is closed');
    for (let conn = this.idle.pop(); conn; conn = this.idle.pop()) {
      if (!this.broken.has(conn)) return conn;
      this.forget(conn);
    }
    if (this.count < this.options.size) return this.open();
    const waitMs = this.options.connectTimeoutMs + this.options.queryTimeoutMs;
    return new Promise<Connection>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new EngineError('DATABASE_TIMEOUT', `no free SQL Server connection within ${waitMs} ms`));
        }, waitMs),
      };
      this.waiters.push(waiter);
    });
  }

  private release(conn: Connection): void {
    if (this.closed || this.broken.has(conn)) {
      this.forget(conn);
      void this.end(conn);
      const waiter = this.waiters.shift();
      if (waiter) {
        clearTimeout(waiter.timer);
        this.open().then(waiter.resolve, waiter.reject);
      }
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(conn);
    } else this.idle.push(conn);
  }

  private grace(): number {
    return this.options.driverGraceMs ?? DRIVER_GRACE_MS;
  }

  private forget(conn: Connection): void {
    if (this.live.delete(conn)) this.count -= 1;
  }

  /** Opens one connection, counted from the start so concurrent callers cannot exceed the size. */
  private async open(): Promise<Connection> {
    this.count += 1;
    try {
      const conn = await this.connect();
      if (this.closed) {
        void this.end(conn);
        throw new EngineError('DATABASE_CONNECTION_ERROR', 'the SQL Server adapter was closed');
      }
      this.live.add(conn);
      return conn;
    } catch (err) {
      this.count -= 1;
      throw mapSqlserverError(err, 'connect', this.options.secrets);
    }
  }

  private connect(): Promise<Connection> {
    return new Promise<Connection>((resolve, reject) => {
      const conn = new Connection(this.config);
      let loginErrorNumber: number | undefined;
      let settled = false;
      const settle = (err: Error | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        conn.removeListener('errorMessage', onErrorMessage);
        if (!err) return resolve(conn);
        if (loginErrorNumber !== undefined && !('number' in err))
          Object.assign(err, { number: loginErrorNumber });
        void this.end(conn);
        reject(err);
      };
      // tedious' ConnectionError for a failed login carries no number; the server's message token does.
      const onErrorMessage = (token: { number: number }) => (loginErrorNumber = token.number);
      const deadline = setTimeout(() => {
        settle(new Error(`Failed to connect within ${this.options.connectTimeoutMs} ms`));
      }, this.options.connectTimeoutMs + this.grace());
      conn.on('errorMessage', onErrorMessage);
      // Without an 'error' listener an internal error would be thrown from an EventEmitter.
      conn.on('error', (err) => {
        this.broken.add(conn);
        settle(err);
      });
      conn.on('end', () => {
        this.ended.add(conn);
        this.broken.add(conn);
        settle(new Error('connection ended while connecting'));
      });
      conn.connect((err) => settle(err));
    });
  }

  private run(conn: Connection, sql: string, params: Readonly<Record<string, string>>): Promise<SqlRow[]> {
    return new Promise<SqlRow[]>((resolve, reject) => {
      const rows: SqlRow[] = [];
      let overran = false;
      const deadline = setTimeout(() => {
        overran = true;
        this.broken.add(conn);
        conn.close(); // completes the request with ECLOSE, reported below as the timeout it is
      }, this.options.queryTimeoutMs + this.grace());
      const request = new Request(sql, (err) => {
        clearTimeout(deadline);
        if (overran) {
          const message = `Timeout: Request failed to complete in ${this.options.queryTimeoutMs}ms`;
          reject(new RequestError(message, 'ETIMEOUT'));
        } else if (err) reject(err);
        else resolve(rows);
      });
      for (const [name, value] of Object.entries(params)) request.addParameter(name, TYPES.NVarChar, value);
      request.on('row', (columns: ColumnValue[]) => {
        rows.push(Object.fromEntries(columns.map((c) => [c.metadata.colName, c.value])));
      });
      if (Object.keys(params).length > 0) conn.execSql(request);
      else conn.execSqlBatch(request);
    });
  }

  /** Closes a connection and waits (briefly) for its 'end'. */
  private end(conn: Connection): Promise<void> {
    if (this.ended.has(conn)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1_000);
      conn.once('end', () => {
        clearTimeout(timer);
        resolve();
      });
      conn.close();
    });
  }
}
