// One port for the four engines (docs/engines.md#the-engine-port). An adapter holds one small pool for one
// instance; every connect and query has a timeout; failures are EngineError with a message code and
// text scrubbed of secrets. A catalog the collector may not read is an ItemError in the result.
import type {
  AccountInfo,
  Collected,
  DatabaseInfo,
  DatabaseSize,
  DbType,
  PermissionsCollected,
  TableSize,
} from '../../domain/engines/model.js';

export interface ConnectionParams {
  dbType: DbType;
  host: string;
  port: number;
  /** Database to connect to (PostgreSQL: default 'postgres'; Oracle: the service name). */
  databaseName?: string | undefined;
  username: string;
  password: string;
}

export interface EngineOptions {
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
  /** Connections per instance (small: we are a guest on the DBA's server). */
  poolSize?: number;
}

export interface ConnectionTest {
  version: string;
  latencyMs: number;
}

export interface EngineAdapter {
  readonly dbType: DbType;
  testConnection(): Promise<ConnectionTest>;
  serverVersion(): Promise<string>;
  listDatabases(): Promise<Collected<DatabaseInfo>>;
  databaseSizes(): Promise<Collected<DatabaseSize>>;
  tableSizes(database: string): Promise<Collected<TableSize>>;
  listAccounts(): Promise<Collected<AccountInfo>>;
  permissionSnapshot(): Promise<PermissionsCollected>;
  close(): Promise<void>;
}

export type EngineErrorCode =
  'DATABASE_CONNECTION_ERROR' | 'DATABASE_TIMEOUT' | 'PERMISSION_DENIED' | 'DATABASE_QUERY_ERROR';

/** A whole-operation failure (cannot connect, timed out…). Its message never contains the password. */
export class EngineError extends Error {
  /**
   * No connection could be had (refused, login failed, or the connect timed out). Never an item error:
   * every later statement would wait for a connection the same way, so a dead host would cost one
   * connect timeout per catalog instead of one per attempt.
   */
  readonly connecting: boolean;

  constructor(
    readonly code: EngineErrorCode,
    message: string,
    options?: { cause?: unknown; connecting?: boolean },
  ) {
    super(message, options);
    this.name = 'EngineError';
    this.connecting = options?.connecting ?? false;
  }
}

/** Removes the password (and its URL-encoded form) from engine text before it travels anywhere. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)]))
      out = out.split(form).join('[REDACTED]');
  }
  return out.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+):[^/\s@]+@/gi, '$1:[REDACTED]@');
}

export const DEFAULT_ENGINE_OPTIONS: Required<EngineOptions> = {
  connectTimeoutMs: 10_000,
  queryTimeoutMs: 30_000,
  poolSize: 2,
};
