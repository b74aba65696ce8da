// Refreshing one database's table sizes: read them live from its instance through the engine adapter,
// then record them as one TableSizesSaved on capacity-{instanceId} (the capacity projection keeps the
// latest snapshot). A database the last inventory found gone is refused rather than read: the instance
// no longer has it, and an empty snapshot would look like a database without tables.
import { createEngineAdapter } from '../adapters/engines/index.js';
import {
  EngineError,
  scrubSecrets,
  type ConnectionParams,
  type EngineOptions,
} from '../adapters/engines/port.js';
import { capacityStream } from '../domain/capacity/events.js';
import type { Collected, ItemError, TableSize } from '../domain/engines/model.js';
import type { Position } from '../domain/events/envelope.js';
import { AppError, notFound, errorMessage } from '../domain/errors.js';
import type { CommandContext } from './commandContext.js';
import { appendOne } from './streamWrites.js';
import { directoryOf } from './connections.js';
import { lastInventory } from './sync/collectCapacity.js';
import type { ConnectionDeps } from './testConnections.js';

export interface TableSizesRefresh {
  databaseId: string;
  instanceId: string;
  databaseName: string;
  /** Of the TableSizesSaved event: wait for it before reading the snapshot. */
  position: Position;
  /** What the collector could not read (the snapshot holds the rest). */
  errors: ItemError[];
}

/** The engine's table sizes; a whole-read failure keeps its engine code, its text scrubbed of the password. */
async function readTableSizes(
  connection: ConnectionParams,
  databaseName: string,
  options: EngineOptions | undefined,
): Promise<Collected<TableSize>> {
  const scrub = (text: string) => scrubSecrets(text, [connection.password]);
  const adapter = createEngineAdapter(connection, options);
  try {
    const collected = await adapter.tableSizes(databaseName);
    return {
      items: collected.items,
      errors: collected.errors.map((e) => ({ ...e, message: scrub(e.message) })),
    };
  } catch (err) {
    const text = scrub(errorMessage(err));
    throw new AppError(err instanceof EngineError ? err.code : 'DATABASE_QUERY_ERROR', text);
  } finally {
    await adapter.close().catch(() => undefined);
  }
}

export const makeRefreshTableSizes = (deps: ConnectionDeps) => {
  const instances = directoryOf(deps);
  /**
   * `database` names the database by its id and by what the id stands for (instance and name: the id is a
   * hash of them, which the caller's read side maps back). The decision is the write side's: the instance
   * from its stream, the database from the capacity stream's last inventory.
   */
  return async (
    database: { databaseId: string; instanceId: string; databaseName: string },
    ctx: CommandContext,
  ): Promise<TableSizesRefresh> => {
    const { databaseId } = database;
    const instance = await instances.get(database.instanceId);
    if (!instance || instance.deleted) throw notFound('database', databaseId);
    const inventory = await lastInventory(deps.store, capacityStream(instance.id));
    if (!inventory.databases.includes(database.databaseName))
      throw new AppError(
        'CONSTRAINT_VIOLATION',
        `database ${database.databaseName} of instance ${instance.name} was gone at the last inventory: ` +
          'its table sizes cannot be read (collect capacity again if it is back)',
        { database_id: databaseId, is_active: false },
      );
    const connection = await instances.connection(instance);
    const collected = await readTableSizes(connection, database.databaseName, deps.engineOptions);
    const position = await appendOne(
      deps.store,
      capacityStream(instance.id),
      'any',
      'TableSizesSaved',
      {
        instanceId: instance.id,
        databaseName: database.databaseName,
        collectedAt: ctx.now.toISOString(),
        tables: collected.items.map((t) => ({
          schemaName: t.schemaName,
          tableName: t.tableName,
          sizeMb: t.sizeMb,
          dataSizeMb: t.dataSizeMb,
          indexSizeMb: t.indexSizeMb,
          rowCount: t.rowCount,
        })),
      },
      ctx,
      { instanceId: instance.id },
    );
    return {
      databaseId,
      instanceId: instance.id,
      databaseName: database.databaseName,
      position,
      errors: collected.errors,
    };
  };
};
