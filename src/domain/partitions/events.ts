// Partition maintenance events (stream `partitions`): every monthly partition of the stats tables that
// an operator created or dropped, with who did it in the metadata.
import { z } from 'zod';
import { defineEvent, type EventDefinition } from '../events/registry.js';

const partitionData = z.strictObject({
  table: z.string().min(1).max(63),
  partition: z.string().min(1).max(63),
  /** The month the partition covers ('YYYY-MM-01'); null when it cannot be read from the name. */
  month: z.iso.date().nullable(),
});

export const partitionEventDefinitions: readonly EventDefinition[] = [
  defineEvent({ type: 'PartitionCreated', schemaVersion: 1, schema: partitionData }),
  defineEvent({ type: 'PartitionDropped', schemaVersion: 1, schema: partitionData }),
];

export const PARTITIONS_STREAM = 'partitions';
