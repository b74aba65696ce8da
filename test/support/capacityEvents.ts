// Capacity events for tests (database inventories, daily stats, table sizes), appended at chosen times on
// an instance's capacity stream.
import { randomUUID } from 'node:crypto';
import type { EventStore } from '../../src/adapters/eventStore/port.js';
import { capacityStream } from '../../src/domain/capacity/events.js';
import { testMetadata } from './eventFactory.js';

const actor = { kind: 'scheduler' as const, id: 'scheduler' };

export function capacityEvents(store: EventStore) {
  const append = (instanceId: string, at: string, type: string, data: unknown) =>
    store.append(
      capacityStream(instanceId),
      [
        {
          eventId: randomUUID(),
          type,
          schemaVersion: 1,
          data,
          metadata: testMetadata({ actor, occurredAt: at, instanceId }),
        },
      ],
      { expectedRevision: 'any' },
    );
  return {
    inventory: (
      instanceId: string,
      date: string,
      databases: string[],
      changes: { added?: string[]; vanished?: string[] } = {},
    ) =>
      append(instanceId, `${date}T02:00:00.000Z`, 'DatabaseInventorySynced', {
        instanceId,
        sessionId: randomUUID(),
        collectedDate: date,
        databases,
        added: changes.added ?? [],
        vanished: changes.vanished ?? [],
      }),
    stats: (instanceId: string, date: string, time: string, sizes: Record<string, number>) => {
      const databases = Object.entries(sizes).map(([databaseName, sizeMb]) => ({
        databaseName,
        sizeMb,
        dataSizeMb: sizeMb * 0.75,
        logSizeMb: null,
      }));
      return append(instanceId, `${date}T${time}Z`, 'StatsSaved', {
        instanceId,
        sessionId: randomUUID(),
        collectedDate: date,
        collectedAt: `${date}T${time}Z`,
        databases,
        totalSizeMb: databases.reduce((sum, d) => sum + d.sizeMb, 0),
        databaseCount: databases.length,
      });
    },
    tableSizes: (
      instanceId: string,
      databaseName: string,
      at: string,
      tables: [schema: string, table: string, sizeMb: number, rowCount: number | null][],
    ) =>
      append(instanceId, at, 'TableSizesSaved', {
        instanceId,
        databaseName,
        collectedAt: at,
        tables: tables.map(([schemaName, tableName, sizeMb, rowCount]) => ({
          schemaName,
          tableName,
          sizeMb,
          dataSizeMb: sizeMb / 2,
          indexSizeMb: sizeMb / 4,
          rowCount,
        })),
      }),
  };
}
