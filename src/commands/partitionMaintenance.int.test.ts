import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPartitions, partitionName } from '../adapters/db/partitions.js';
import { addMonths, monthOf } from '../domain/periods/months.js';
import { PostgresEventStore } from '../adapters/eventStore/postgresEventStore.js';
import { validatingEventStore } from '../adapters/eventStore/validatingEventStore.js';
import { createEventRegistry } from '../domain/eventTypes.js';
import { PARTITIONS_STREAM } from '../domain/partitions/events.js';
import { localDate } from '../domain/periods/periods.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/testDatabase.js';
import {
  PARTITION_MAINTENANCE_LOCK,
  runPartitionMaintenance,
  type PartitionMaintenanceDeps,
} from './partitionMaintenance.js';
import { makeCreatePartitions, partitionedTables } from './partitions.js';

describe('the partition maintenance pass', () => {
  let db: TestDatabase;
  let raw: PostgresEventStore;
  let deps: PartitionMaintenanceDeps;
  const now = new Date();
  const today = localDate(now, 'UTC');
  const nextMonth = addMonths(monthOf(today), 1);
  const pass = () => runPartitionMaintenance(deps, { today, monthsAhead: 3, now });
  const events = () => raw.readStream(PARTITIONS_STREAM);
  const names = async (table: string) => (await listPartitions(db.knex, table)).map((p) => p.name);
  const dropNextMonth = async () => {
    for (const table of partitionedTables) await db.knex.raw(`DROP TABLE ${partitionName(table, nextMonth)}`);
  };
  const expected = partitionedTables.map((table) => ({
    table,
    partition: partitionName(table, nextMonth),
    month: nextMonth,
  }));

  beforeAll(async () => {
    db = await createTestDatabase();
    raw = new PostgresEventStore(db.pool);
    const store = validatingEventStore(raw, createEventRegistry());
    deps = { knex: db.knex, pool: db.pool, store, logger: createLogger({ level: 'silent' }) };
  });
  afterAll(async () => {
    await raw.close();
    await db.drop();
  });

  it('does nothing when every month exists (the migration created this month and the next 3)', async () => {
    expect(await pass()).toEqual({ ran: true, created: [], defaultRows: 0 });
    expect(await events()).toEqual([]);
  });

  it("creates next month's missing partitions, one PartitionCreated each by the system; a second run appends nothing", async () => {
    await dropNextMonth();
    // A row of that month meanwhile landed in the default partition: it moves into the new partition.
    const day = nextMonth.replace(/01$/, '05');
    await db.knex('database_size_stats').insert({
      instance_id: '00000000-0000-4000-8000-000000000001',
      database_name: 'app',
      size_mb: 1,
      collected_date: day,
      collected_at: `${day}T03:00:00Z`,
    });

    expect(await pass()).toEqual({ ran: true, created: expected, defaultRows: 0 });
    for (const table of partitionedTables)
      expect(await names(table)).toContain(partitionName(table, nextMonth));
    const created = await events();
    expect(created.map((e) => [e.type, e.data])).toEqual(expected.map((c) => ['PartitionCreated', c]));
    for (const e of created)
      expect(e.metadata.actor).toEqual({ kind: 'system', id: 'partition-maintenance' });
    const [row] = await db
      .knex('database_size_stats')
      .where({ collected_date: day })
      .select(db.knex.raw('tableoid::regclass::text AS partition'));
    expect(row).toEqual({ partition: partitionName('database_size_stats', nextMonth) });

    expect(await pass()).toEqual({ ran: true, created: [], defaultRows: 0 });
    expect(await events()).toHaveLength(created.length);
  });

  it('two processes at once create each partition once: the pass takes an advisory lock, and creating is idempotent', async () => {
    // Another process holds the lock: this one skips the pass and creates nothing.
    await dropNextMonth();
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    await other.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [PARTITION_MAINTENANCE_LOCK]);
    const before = (await events()).length;
    expect(await pass()).toMatchObject({ ran: false });
    expect(await names('database_size_stats')).not.toContain(partitionName('database_size_stats', nextMonth));
    await other.end();

    // Two passes at once.
    const [a, b] = await Promise.all([pass(), pass()]);
    const createdBy = (o: typeof a) => (o.ran ? o.created : []);
    expect([...createdBy(a), ...createdBy(b)]).toEqual(expected);
    expect(await events()).toHaveLength(before + expected.length);

    // Without the lock, two creates at once still make each partition once (each re-checks under the
    // table's ACCESS EXCLUSIVE lock), so each partition has one PartitionCreated.
    await dropNextMonth();
    const create = makeCreatePartitions(deps);
    const ctx = { actor: { kind: 'system' as const, id: 'test' }, correlationId: 'c', now };
    const both = await Promise.all([create(today, 3, ctx), create(today, 3, ctx)]);
    expect(both.flatMap((r) => r.created).sort((x, y) => (x.table < y.table ? -1 : 1))).toEqual(expected);
    expect(await events()).toHaveLength(before + 2 * expected.length);
  });
});
