// The partition maintenance pass (the reference's partition health monitor: "the next month's partition
// missing -> created"). `serve` runs it at start-up and on a timer, so stats never start landing in the
// default partitions once the months the migration created have passed. It creates what is missing through
// makeCreatePartitions (each partition a PartitionCreated by the system actor) and, when every month
// exists, appends nothing and locks no table. Retention cleanup is not part of it: dropping stats stays the
// operator's decision (docs/operations.md).
import type { Knex } from 'knex';
import type pg from 'pg';
import { partitionStatus } from '../adapters/db/partitions.js';
import type { EventStore } from '../adapters/eventStore/port.js';
import type { Logger } from '../logger.js';
import { makeCreatePartitions, partitionedTables, type PartitionChange } from './partitions.js';

/**
 * Held (pg_try_advisory_lock, per database) for the length of a pass: with several `serve` processes on
 * one database, one runs the pass and the others skip it instead of queueing for the tables' ACCESS
 * EXCLUSIVE locks. Creating is idempotent anyway (ensurePartitions re-checks under the table lock).
 */
export const PARTITION_MAINTENANCE_LOCK = 'whalefall:partition-maintenance';

export interface PartitionMaintenanceDeps {
  knex: Knex;
  pool: pg.Pool;
  store: Pick<EventStore, 'append'>;
  logger: Logger;
}

export type PartitionMaintenanceOutcome =
  { ran: false; reason: string } | { ran: true; created: PartitionChange[]; defaultRows: number };

export async function runPartitionMaintenance(
  deps: PartitionMaintenanceDeps,
  pass: { today: string; monthsAhead: number; now: Date },
): Promise<PartitionMaintenanceOutcome> {
  const client = await deps.pool.connect();
  let locked = false;
  let broken = false;
  const lockQuery = (fn: 'pg_try_advisory_lock' | 'pg_advisory_unlock') =>
    client
      .query<{ ok: boolean }>(`SELECT ${fn}(hashtextextended($1, 0)) AS ok`, [PARTITION_MAINTENANCE_LOCK])
      .catch((err: unknown) => {
        broken = true;
        throw err;
      });
  try {
    locked = (await lockQuery('pg_try_advisory_lock')).rows[0]?.ok === true;
    if (!locked) return { ran: false, reason: 'another process is running the pass' };
    return await ensureMonthsAhead(deps, pass);
  } finally {
    if (locked) await lockQuery('pg_advisory_unlock').catch(() => undefined);
    // A connection that failed (its unlock may not have happened) is discarded rather than pooled.
    client.release(broken);
  }
}

async function ensureMonthsAhead(
  deps: PartitionMaintenanceDeps,
  pass: { today: string; monthsAhead: number; now: Date },
): Promise<PartitionMaintenanceOutcome> {
  const { today, monthsAhead, now } = pass;
  const status = () => partitionStatus(deps.knex, partitionedTables, today, monthsAhead);
  const before = await status();
  let created: PartitionChange[] = [];
  if (before.missing.length > 0) {
    const ctx = {
      actor: { kind: 'system' as const, id: 'partition-maintenance' },
      correlationId: `partition-maintenance-${now.toISOString()}`,
      now,
    };
    ({ created } = await makeCreatePartitions(deps)(today, monthsAhead, ctx));
    if (created.length > 0)
      deps.logger.info(
        { created: created.map((c) => c.partition) },
        'created the missing monthly partitions',
      );
  }
  // Creating moves this month's and later months' strays out of the default; older ones stay there.
  const defaultRows =
    before.defaultRows > 0 && created.length > 0 ? (await status()).defaultRows : before.defaultRows;
  if (defaultRows > 0)
    deps.logger.warn(
      { defaultRows },
      'size stats sit in the default partitions (months without a partition of their own)',
    );
  return { ran: true, created, defaultRows };
}
