// Capacity events (stream capacity-{instanceId}): the database inventory of a collection, and ONE StatsSaved
// holding every database's size and the instance total together, so the two can never disagree
// (docs/defects.md#defect-4).
import { z } from 'zod';
import { sizeMethods } from '../engines/model.js';
import { defineEvent, type EventDefinition } from '../events/registry.js';

const mb = z.number().min(0);
const day = z.iso.date();

export const databaseSizeSchema = z.strictObject({
  databaseName: z.string().min(1).max(256),
  sizeMb: mb,
  dataSizeMb: mb.nullable(),
  logSizeMb: mb.nullable(),
  /** MySQL/MariaDB: tablespace files, TABLES statistics, or both (absent in older events and other engines). */
  sizeMethod: z.enum(sizeMethods).optional(),
});

export const capacityEventDefinitions: readonly EventDefinition[] = [
  defineEvent({
    type: 'DatabaseInventorySynced',
    schemaVersion: 1,
    schema: z.strictObject({
      instanceId: z.uuid(),
      sessionId: z.uuid(),
      collectedDate: day,
      /** Every active (non-system) database now. */
      databases: z.array(z.string()),
      added: z.array(z.string()),
      vanished: z.array(z.string()),
    }),
  }),
  defineEvent({
    type: 'StatsSaved',
    schemaVersion: 1,
    schema: z.strictObject({
      instanceId: z.uuid(),
      sessionId: z.uuid(),
      /** The calendar day of the collection in the configured time zone. */
      collectedDate: day,
      collectedAt: z.iso.datetime({ offset: true }),
      databases: z.array(databaseSizeSchema),
      totalSizeMb: mb,
      databaseCount: z.number().int().min(0),
    }),
  }),
  defineEvent({
    type: 'TableSizesSaved',
    schemaVersion: 1,
    schema: z.strictObject({
      instanceId: z.uuid(),
      databaseName: z.string(),
      collectedAt: z.iso.datetime({ offset: true }),
      tables: z.array(
        z.strictObject({
          schemaName: z.string(),
          tableName: z.string(),
          sizeMb: mb,
          dataSizeMb: mb.nullable(),
          indexSizeMb: mb.nullable(),
          rowCount: z.number().nullable(),
        }),
      ),
    }),
  }),
];

export const capacityStream = (instanceId: string): string => `capacity-${instanceId}`;
