// node-oracledb ships no TypeScript declarations. These are the parts this adapter uses, written from
// the driver's own source (lib/oracledb.js createPool, lib/pool.js, lib/connection.js of 6.x/26.x),
// loaded with require because the package is CommonJS without types. Thin mode: no Oracle client.
import { createRequire } from 'node:module';

/** createPool() attributes; the timeouts below are SECONDS except queueTimeout (ms). */
export interface OraclePoolAttributes {
  user: string;
  password: string;
  /** Easy Connect: host:port/service_name. */
  connectString: string;
  poolMin: number;
  poolMax: number;
  poolIncrement: number;
  /** ms a getConnection() may wait for a free or new connection (NJS-040 after it). */
  queueTimeout: number;
  /** Seconds, integer: the whole connect, listener and login included (NJS-510 after it). */
  connectTimeout: number;
  /** Seconds, integer: the TCP connect alone. */
  transportConnectTimeout: number;
  /** Seconds an idle pooled connection lives. */
  poolTimeout: number;
  /** Seconds idle before a pooled connection is pinged on checkout. */
  poolPingInterval: number;
}

export interface OracleResult<T> {
  rows?: T[];
}

export interface OracleConnection {
  /** ms for each round trip of the next calls; NJS-123 after it (DPI-1067 in Thick mode). */
  callTimeout: number;
  /** e.g. "19.24.0.0.0"; undefined once closed. */
  readonly oracleServerVersionString: string | undefined;
  execute<T>(
    sql: string,
    binds: Record<string, string>,
    options: { outFormat: number },
  ): Promise<OracleResult<T>>;
  /** Back to the pool; `drop` discards it instead. */
  close(options?: { drop: boolean }): Promise<void>;
}

export interface OraclePool {
  getConnection(): Promise<OracleConnection>;
  /** drainTime in seconds; 0 closes at once, busy connections included. */
  close(drainTime?: number): Promise<void>;
}

export interface OracleDriver {
  createPool(attributes: OraclePoolAttributes): Promise<OraclePool>;
  readonly OUT_FORMAT_OBJECT: number;
}

let driver: OracleDriver | undefined;

/** Loaded on first use, so importing the adapter costs nothing until an Oracle instance is read. */
export function loadOracleDriver(): OracleDriver {
  driver ??= createRequire(import.meta.url)('oracledb') as OracleDriver;
  return driver;
}
