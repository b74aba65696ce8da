// One node-oracledb pool per instance, created on first use (poolMin 0: no session is held while idle).
// Each statement borrows a connection with a call timeout and gives it back in finally; a connection
// whose call timed out is dropped rather than reused.
import { EngineError } from '../port.js';
import { mapOracleError, oracleCodes } from './errors.js';
import type { OracleConnection, OracleDriver, OraclePool, OraclePoolAttributes } from './oracledbDriver.js';

export type OracleRow = Record<string, unknown>;

/** What the adapter needs: statements with string binds, and the server's version. */
export interface OracleRunner {
  query(sql: string, binds?: Readonly<Record<string, string>>): Promise<OracleRow[]>;
  /** The version the server announced at login (no query, no privilege needed). */
  serverVersion(): Promise<string>;
  close(): Promise<void>;
}

export interface OraclePoolRunnerOptions {
  queryTimeoutMs: number;
  secrets: readonly string[];
}

export class OraclePoolRunner implements OracleRunner {
  private pool: Promise<OraclePool> | undefined;
  private closed = false;

  constructor(
    private readonly driver: () => OracleDriver,
    private readonly attributes: OraclePoolAttributes,
    private readonly options: OraclePoolRunnerOptions,
  ) {}

  query(sql: string, binds: Readonly<Record<string, string>> = {}): Promise<OracleRow[]> {
    return this.withConnection(async (conn) => {
      const result = await conn.execute<OracleRow>(
        sql,
        { ...binds },
        { outFormat: this.driver().OUT_FORMAT_OBJECT },
      );
      return result.rows ?? [];
    });
  }

  serverVersion(): Promise<string> {
    return this.withConnection((conn) => Promise.resolve(conn.oracleServerVersionString ?? ''));
  }

  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    this.pool = undefined;
    if (!pool) return;
    try {
      await (await pool).close(0);
    } catch {
      // The pool never opened, or is closed already: nothing is left to end.
    }
  }

  private async withConnection<T>(use: (conn: OracleConnection) => Promise<T>): Promise<T> {
    if (this.closed) throw new EngineError('DATABASE_CONNECTION_ERROR', 'the Oracle adapter is closed');
    let conn: OracleConnection;
    try {
      conn = await (await this.openPool()).getConnection();
    } catch (err) {
      throw mapOracleError(err, 'connect', this.options.secrets);
    }
    let drop = false;
    try {
      conn.callTimeout = this.options.queryTimeoutMs;
      return await use(conn);
    } catch (err) {
      drop = oracleCodes(err).some((c) => c === 'NJS-123' || c === 'DPI-1067' || c === 'ORA-01013');
      throw err;
    } finally {
      // Not close(undefined): node-oracledb counts arguments and rejects an explicit undefined (NJS-005).
      await (drop ? conn.close({ drop: true }) : conn.close()).catch(() => undefined);
    }
  }

  private openPool(): Promise<OraclePool> {
    this.pool ??= this.driver()
      .createPool(this.attributes)
      .catch((err: unknown) => {
        this.pool = undefined; // let the next call try again
        throw err;
      });
    return this.pool;
  }
}
