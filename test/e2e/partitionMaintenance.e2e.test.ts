// `whalefall serve` runs the partition maintenance pass at start-up: a database whose next month's
// partitions are missing has them again by the time the server answers, each one a PartitionCreated by
// the system actor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPartitions, partitionName } from '../../src/adapters/db/partitions.js';
import { addMonths, monthOf } from '../../src/domain/periods/months.js';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { partitionedTables } from '../../src/commands/partitions.js';
import { PARTITIONS_STREAM } from '../../src/domain/partitions/events.js';
import { localDate } from '../../src/domain/periods/periods.js';
import { ADMIN_PASSWORD, TEST_SECRET_KEY } from '../support/apiServer.js';
import { freePort } from '../support/net.js';
import { buildOnce, startServerProcess, type ServerProcess } from '../support/serverProcess.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';

describe('partition maintenance of a running server', () => {
  let db: TestDatabase;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    await buildOnce();
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await server?.stop('SIGTERM');
    await db?.drop();
  });

  it("creates next month's missing partitions at start-up, as system events", async () => {
    const nextMonth = addMonths(monthOf(localDate(new Date(), 'UTC')), 1);
    for (const table of partitionedTables) await db.knex.raw(`DROP TABLE ${partitionName(table, nextMonth)}`);

    server = await startServerProcess(
      {
        DATABASE_URL: db.url,
        WHALEFALL_SECRET_KEY: TEST_SECRET_KEY,
        WHALEFALL_ADMIN_PASSWORD: ADMIN_PASSWORD,
        LOG_LEVEL: 'info',
      },
      await freePort(),
    );

    for (const table of partitionedTables) {
      const names = (await listPartitions(db.knex, table)).map((p) => p.name);
      expect(names).toContain(partitionName(table, nextMonth));
    }
    const store = new PostgresEventStore(db.pool);
    const events = await store.readStream(PARTITIONS_STREAM);
    await store.close();
    expect(events.map((e) => [e.type, e.data, e.metadata.actor])).toEqual(
      partitionedTables.map((table) => [
        'PartitionCreated',
        { table, partition: partitionName(table, nextMonth), month: nextMonth },
        { kind: 'system', id: 'partition-maintenance' },
      ]),
    );
    expect(server.output()).toContain('created the missing monthly partitions');
  });
});
