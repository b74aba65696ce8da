// Connection tests: ad-hoc parameters (never stored), one registered instance (the outcome is recorded
// as InstanceConnectionTested), or many with bounded concurrency. A failed connection is an outcome,
// not an exception; its message is the engine's, scrubbed of the password.
import pLimit from 'p-limit';
import type { Knex } from 'knex';
import { createEngineAdapter } from '../adapters/engines/index.js';
import {
  EngineError,
  scrubSecrets,
  type ConnectionParams,
  type EngineOptions,
} from '../adapters/engines/port.js';
import type { EventStore } from '../adapters/eventStore/port.js';
import type { Keyring } from '../adapters/keyring/keyring.js';
import type { Position } from '../domain/events/envelope.js';
import { AppError, errorMessage, notFound } from '../domain/errors.js';
import { directoryOf, type InstanceDirectory } from './connections.js';
import { makeRecordConnectionCheck } from './instances.js';
import type { CommandContext } from './commandContext.js';

export interface ConnectionOutcome {
  ok: boolean;
  version: string | null;
  latency_ms: number | null;
  error_code: string | null;
  message: string | null;
}

export async function probeConnection(
  params: ConnectionParams,
  options?: EngineOptions,
): Promise<ConnectionOutcome> {
  const adapter = createEngineAdapter(params, options);
  try {
    const result = await adapter.testConnection();
    return {
      ok: true,
      version: result.version,
      latency_ms: result.latencyMs,
      error_code: null,
      message: null,
    };
  } catch (err) {
    const code = err instanceof EngineError ? err.code : 'DATABASE_CONNECTION_ERROR';
    const text = errorMessage(err);
    return {
      ok: false,
      version: null,
      latency_ms: null,
      error_code: code,
      message: scrubSecrets(text, [params.password]),
    };
  } finally {
    await adapter.close().catch(() => undefined);
  }
}

export interface ConnectionDeps {
  knex: Knex;
  store: EventStore;
  keyring: () => Keyring;
  reloadKeyring?: () => Promise<void>;
  engineOptions?: EngineOptions;
  /** Where instances and their credentials are read from; default: their streams (instanceDirectory). */
  instances?: InstanceDirectory;
}

export const makeTestInstanceConnection = (deps: ConnectionDeps) => {
  const record = makeRecordConnectionCheck(deps);
  const instances = directoryOf(deps);
  return async (
    instanceId: string,
    ctx: CommandContext,
  ): Promise<ConnectionOutcome & { instance_id: string; position: Position }> => {
    const instance = await instances.get(instanceId);
    if (!instance || instance.deleted) throw notFound('instance', instanceId);
    let outcome: ConnectionOutcome;
    try {
      outcome = await probeConnection(await instances.connection(instance), deps.engineOptions);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      outcome = { ok: false, version: null, latency_ms: null, error_code: err.code, message: err.message };
    }
    const position = await record(
      instanceId,
      {
        ok: outcome.ok,
        version: outcome.version,
        latencyMs: outcome.latency_ms,
        errorCode: outcome.error_code,
        message: outcome.message,
      },
      ctx,
    );
    return { instance_id: instanceId, ...outcome, position };
  };
};

export const makeBatchTestConnections = (deps: ConnectionDeps, concurrency = 8) => {
  const testOne = makeTestInstanceConnection(deps);
  return async (
    instanceIds: readonly string[],
    ctx: CommandContext,
  ): Promise<(ConnectionOutcome & { instance_id: string; position?: Position | undefined })[]> => {
    const limit = pLimit(concurrency);
    return Promise.all(
      instanceIds.map((id) =>
        limit(async () => {
          try {
            return await testOne(id, ctx);
          } catch (err) {
            if (!(err instanceof AppError)) throw err;
            return {
              instance_id: id,
              ok: false,
              version: null,
              latency_ms: null,
              error_code: err.code,
              message: err.message,
            };
          }
        }),
      ),
    );
  };
};
