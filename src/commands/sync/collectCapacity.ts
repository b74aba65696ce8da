// Capacity collection of one instance: the database inventory (DatabaseInventorySynced), then every
// database's size and the instance total in ONE StatsSaved (they can never disagree: defect 4). An
// instance with no active database is skipped with that reason, counted apart from successes (defect 5; docs/defects.md).
import type { EngineAdapter } from '../../adapters/engines/port.js';
import type { EventStore } from '../../adapters/eventStore/port.js';
import { capacityStream } from '../../domain/capacity/events.js';
import { localDate } from '../../domain/periods/periods.js';
import { newEvent, running, type CommandContext } from '../commandContext.js';
import type { InstanceWork } from './attempt.js';
import { makeCategoryRun, type SessionRunDeps } from './runSession.js';
import { failedIn, listInventory, PhaseError } from './phaseError.js';
import type { SyncResult } from './syncInstanceAccounts.js';

const round3 = (n: number) => Math.round(n * 1000) / 1000;
/** Events read per page when looking back for the last inventory. */
const PAGE = 16;

/**
 * The databases of the stream's last inventory, and the stream's revision. Read backwards page by page:
 * the inventory is normally among the last few events, while the stream grows with every collection.
 */
/** The databases of the instance's last inventory (DatabaseInventorySynced), and the stream's revision. */
export async function lastInventory(
  store: Pick<EventStore, 'readStream'>,
  stream: string,
): Promise<{ databases: string[]; revision: bigint | 'no_stream' }> {
  let revision: bigint | 'no_stream' = 'no_stream';
  let from: bigint | 'end' = 'end';
  for (;;) {
    const page = await store.readStream(stream, { direction: 'backwards', from, maxCount: PAGE });
    if (revision === 'no_stream' && page[0]) revision = page[0].revision;
    const inventory = page.find((e) => e.type === 'DatabaseInventorySynced');
    if (inventory)
      return { databases: (inventory.data as { databases?: string[] }).databases ?? [], revision };
    const oldest = page.at(-1);
    if (!oldest || oldest.revision === 0n) return { databases: [], revision };
    from = oldest.revision - 1n;
  }
}

export async function collectInstanceCapacity(input: {
  store: Pick<EventStore, 'readStream' | 'append'>;
  adapter: EngineAdapter;
  instanceId: string;
  sessionId: string;
  ctx: CommandContext;
  timeZone: string;
  now?: Date;
  /** Told when the inventory is appended: a deadline from then on fails the record in phase sizes. */
  reached?: (phase: 'sizes') => void;
}): Promise<SyncResult | { skipped: string }> {
  const { store, adapter, instanceId, sessionId, ctx } = input;
  const now = input.now ?? new Date();
  const collectedDate = localDate(now, input.timeZone);
  const stream = capacityStream(instanceId);
  const last = await lastInventory(store, stream);
  const before = new Set(last.databases);
  let revision = last.revision;
  const event = <T extends string, D>(type: T, data: D) =>
    newEvent(running(ctx), type, data, { sessionId, instanceId });

  const listed = await listInventory(() => adapter.listDatabases());
  const databases = listed.items
    .filter((d) => !d.isSystem)
    .map((d) => d.name)
    .sort();
  const inventory = {
    instanceId,
    sessionId,
    collectedDate,
    databases,
    added: databases.filter((d) => !before.has(d)),
    vanished: [...before].filter((d) => !databases.includes(d)).sort(),
  };
  revision = (
    await store.append(stream, [event('DatabaseInventorySynced', inventory)], {
      expectedRevision: revision,
    })
  ).nextExpectedRevision;
  input.reached?.('sizes');
  if (databases.length === 0) return { skipped: 'no active databases' };

  let sizes;
  try {
    sizes = await adapter.databaseSizes();
  } catch (err) {
    throw failedIn('sizes', err);
  }
  const wanted = new Set(databases);
  const rows = sizes.items
    .filter((s) => wanted.has(s.databaseName))
    .map((s) => ({
      databaseName: s.databaseName,
      sizeMb: round3(s.sizeMb),
      dataSizeMb: s.dataSizeMb === null ? null : round3(s.dataSizeMb),
      logSizeMb: s.logSizeMb === null ? null : round3(s.logSizeMb),
      ...(s.sizeMethod && { sizeMethod: s.sizeMethod }),
    }))
    .sort((a, b) => (a.databaseName < b.databaseName ? -1 : 1));
  if (rows.length === 0) {
    throw new PhaseError(
      'sizes',
      sizes.errors[0]?.code ?? 'DATABASE_QUERY_ERROR',
      `no database size could be read${sizes.errors.length ? `: ${sizes.errors.map((e) => e.message).join('; ')}` : ''}`,
    );
  }
  const totalSizeMb = round3(rows.reduce((sum, r) => sum + r.sizeMb, 0));
  await store.append(
    stream,
    [
      event('StatsSaved', {
        instanceId,
        sessionId,
        collectedDate,
        collectedAt: now.toISOString(),
        databases: rows,
        totalSizeMb,
        databaseCount: rows.length,
      }),
    ],
    { expectedRevision: revision },
  );
  return {
    itemsSynced: rows.length,
    itemsCreated: inventory.added.length,
    itemsUpdated: rows.length,
    itemsDeleted: inventory.vanished.length,
    details: { collectedDate, totalSizeMb, sizeErrors: sizes.errors, ...sizeMethodCounts(rows) },
  };
}

/** How many figures each size method gave (MySQL/MariaDB), e.g. `{ sizeMethods: { tablespace: 3, tables: 1 } }`. */
function sizeMethodCounts(rows: readonly { sizeMethod?: string }[]) {
  const counts: Record<string, number> = {};
  for (const r of rows) if (r.sizeMethod) counts[r.sizeMethod] = (counts[r.sizeMethod] ?? 0) + 1;
  return Object.keys(counts).length > 0 ? { sizeMethods: counts } : {};
}

/** In-run retries (defect 3): attempts in all, and the backoff before the second (doubled after each). */
export const DEFAULT_CAPACITY_RETRY = { attempts: 3, backoffMs: 2000 };

/** The capacity collection of one instance, as a session's work (or an operator's retry of it). */
export const capacityWork =
  (timeZone: string): InstanceWork =>
  ({ instance, adapter, sessionId, ctx, store, reached }) =>
    collectInstanceCapacity({ store, adapter, instanceId: instance.id, sessionId, ctx, timeZone, reached });

export const makeRunCapacityCollection = (
  deps: SessionRunDeps,
  timeZone: string,
  retry: { attempts: number; backoffMs: number } = DEFAULT_CAPACITY_RETRY,
) => makeCategoryRun(deps, 'capacity', capacityWork(timeZone), retry);
