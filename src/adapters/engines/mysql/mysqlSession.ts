// One small mysql2 pool for one instance. Every statement has a client-side timeout (mysql2
// `timeout`) and, best effort, a server-side one (MariaDB max_statement_time, MySQL
// max_execution_time), so a slow catalog query does not keep running on the DBA's server.
import mysql, { type PoolConnection, type RowDataPacket } from 'mysql2/promise';
import { DEFAULT_ENGINE_OPTIONS, type ConnectionParams, type EngineOptions } from '../port.js';
import { queryEach } from './mysqlBatch.js';
import { isQueryTimeout, toEngineError } from './mysqlErrors.js';
import type { EngineError } from '../port.js';

export type Row = Record<string, unknown>;

/** A result cell as text (mysql2 gives strings, numbers, big-number strings or Buffers). */
export function cellText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return v === null || v === undefined ? '' : JSON.stringify(v);
}

export interface MysqlSession {
  readonly options: Required<EngineOptions>;
  readonly secrets: readonly string[];
  /** Rows as objects; values bound with `?` (client-side escaping). */
  query(sql: string, values?: unknown[]): Promise<Row[]>;
  /** Rows as arrays (for SHOW statements whose column names carry data, e.g. "Grants for u@h"). */
  queryArrays(sql: string, values?: unknown[]): Promise<unknown[][]>;
  /**
   * Each statement's rows as arrays, or the EngineError it failed with, in their order: many statements
   * per round trip (mysqlBatch.ts). Fails as a whole only when no connection could be had.
   */
  queryEach(statements: readonly string[]): Promise<(unknown[][] | EngineError)[]>;
  close(): Promise<void>;
}

export function createMysqlSession(params: ConnectionParams, options: EngineOptions = {}): MysqlSession {
  const opts: Required<EngineOptions> = { ...DEFAULT_ENGINE_OPTIONS, ...options };
  const secrets = [params.password];
  const connection = {
    host: params.host,
    port: params.port,
    user: params.username,
    password: params.password,
    database: params.databaseName || undefined,
    connectTimeout: opts.connectTimeoutMs,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    // No prepared statements are used (query, never execute): mysql2's default cache of 16,000 would
    // allocate four 16,000-slot arrays (about 0.5 MB) for every connection, to be collected again.
    maxPreparedStatements: 1,
  };
  const pool = mysql.createPool({
    ...connection,
    connectionLimit: opts.poolSize,
    maxIdle: opts.poolSize,
    idleTimeout: 60_000,
    waitForConnections: true,
    queueLimit: 0,
    enableKeepAlive: true,
    multipleStatements: false,
  });
  const prepared = new Set<number>();
  let closed: Promise<void> | undefined;

  async function prepare(conn: PoolConnection): Promise<void> {
    if (prepared.has(conn.threadId)) return;
    prepared.add(conn.threadId);
    const seconds = Math.max(1, Math.ceil(opts.queryTimeoutMs / 1000));
    // One of the two exists: MariaDB's first (one round trip there), MySQL's only when it failed.
    const mariadb = await conn
      .query({ sql: `SET SESSION max_statement_time = ${seconds}`, timeout: opts.queryTimeoutMs })
      .then(
        () => true,
        () => false,
      );
    if (mariadb) return;
    await conn
      .query({ sql: `SET SESSION max_execution_time = ${seconds * 1000}`, timeout: opts.queryTimeoutMs })
      .catch(() => {});
  }

  async function run<T>(fn: (conn: PoolConnection) => Promise<T>): Promise<T> {
    if (closed) throw toEngineError(new Error('Pool is closed.'), 'query', secrets);
    let conn: PoolConnection;
    try {
      conn = await pool.getConnection();
      await prepare(conn);
    } catch (err) {
      throw toEngineError(err, 'connect', secrets);
    }
    let timedOut = false;
    try {
      return await fn(conn);
    } catch (err) {
      timedOut = isQueryTimeout(err);
      throw toEngineError(err, 'query', secrets);
    } finally {
      // After a client-side timeout the statement may still be running on that connection: drop it.
      if (timedOut) conn.destroy();
      else conn.release();
    }
  }

  return {
    options: opts,
    secrets,
    query: (sql, values) =>
      run(async (conn) => {
        const [rows] = await conn.query<RowDataPacket[]>({ sql, values, timeout: opts.queryTimeoutMs });
        return rows;
      }),
    queryArrays: (sql, values) =>
      run(async (conn) => {
        const [rows] = await conn.query<RowDataPacket[]>({
          sql,
          values,
          timeout: opts.queryTimeoutMs,
          rowsAsArray: true,
        });
        return rows as unknown as unknown[][];
      }),
    queryEach: (statements) => {
      if (closed) throw toEngineError(new Error('Pool is closed.'), 'query', secrets);
      return queryEach(connection, statements, opts.queryTimeoutMs, secrets);
    },
    close() {
      closed ??= pool.end().catch(() => {});
      return closed;
    },
  };
}
