// Creating partitions ahead and dropping them beyond retention, each change recorded as an event
// (PartitionCreated / PartitionDropped on the `partitions` stream). Used by the API and the CLI.
import type { Knex } from 'knex';
import { dropPartitionsBefore, ensurePartitions } from '../adapters/db/partitions.js';
import { addMonths, monthOf } from '../domain/periods/months.js';
import type { EventStore } from '../adapters/eventStore/port.js';
import type { Position } from '../domain/events/envelope.js';
import { PARTITIONS_STREAM } from '../domain/partitions/events.js';
import { newEvent, type CommandContext } from './commandContext.js';

export const partitionedTables = ['database_size_stats', 'instance_size_stats'] as const;

export interface PartitionChange {
  table: string;
  partition: string;
  month: string | null;
}

const monthOfName = (table: string, name: string): string | null => {
  const m = new RegExp(`^${table}_(\\d{4})_(\\d{2})$`).exec(name);
  return m ? `${m[1]}-${m[2]}-01` : null;
};

type Deps = { knex: Knex; store: Pick<EventStore, 'append'> };

async function record(
  deps: Deps,
  type: 'PartitionCreated' | 'PartitionDropped',
  changes: PartitionChange[],
  ctx: CommandContext,
): Promise<Position | undefined> {
  if (changes.length === 0) return undefined;
  const { position } = await deps.store.append(
    PARTITIONS_STREAM,
    changes.map((c) => newEvent(ctx, type, c)),
    { expectedRevision: 'any' },
  );
  return position;
}

/** Creates the missing monthly partitions from `today`'s month to `monthsAhead` months ahead. */
export const makeCreatePartitions =
  (deps: Deps) => async (today: string, monthsAhead: number, ctx: CommandContext) => {
    const created: PartitionChange[] = [];
    for (const table of partitionedTables) {
      for (const partition of await ensurePartitions(deps.knex, table, monthOf(today), monthsAhead)) {
        created.push({ table, partition, month: monthOfName(table, partition) });
      }
    }
    return { created, position: await record(deps, 'PartitionCreated', created, ctx) };
  };

/** Drops the monthly partitions (and their rows) older than `retentionMonths` before `today`'s month. */
export const makeCleanupPartitions =
  (deps: Deps) => async (today: string, retentionMonths: number, ctx: CommandContext) => {
    const before = addMonths(monthOf(today), -retentionMonths);
    const dropped: PartitionChange[] = [];
    for (const table of partitionedTables) {
      for (const partition of await dropPartitionsBefore(deps.knex, table, before)) {
        dropped.push({ table, partition, month: monthOfName(table, partition) });
      }
    }
    return { before, dropped, position: await record(deps, 'PartitionDropped', dropped, ctx) };
  };
