// What a capacity collection at concurrency 1 costs the projections of a process running all of them
// (as serve does): every append of a record (started, inventory, sizes, completed) wakes every runner
// on its own. The statements this process sends per instance, counted at the pg driver (the appends
// included), and the read tables the live runners build equal to a rebuild.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { appendInOrder } from '../../test/support/appendInOrder.js';
import { PostgresEventStore } from '../adapters/eventStore/postgresEventStore.js';
import { decodeKnown } from '../adapters/eventStore/validatingEventStore.js';
import { capacityStream } from '../domain/capacity/events.js';
import type { EventData, Position } from '../domain/events/envelope.js';
import { createEventRegistry } from '../domain/eventTypes.js';
import { sessionStream } from '../domain/sessions/events.js';
import { createLogger } from '../logger.js';
import { testMetadata } from '../../test/support/eventFactory.js';
import { sessionCommands } from '../../test/support/sessionCommands.js';
import { expectRebuildMatchesLive } from '../../test/support/readTables.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/testDatabase.js';
import { capacityProjection } from './capacity/projection.js';
import { ProjectionDaemon } from './daemon.js';
import { allProjections } from './index.js';
import { syncSessionsProjection } from './syncSessions/projection.js';

const INSTANCES = 6;
const DATABASES = 5;
const decode = decodeKnown(createEventRegistry());

let db: TestDatabase;
let store: PostgresEventStore;

// One test: the database lives as long as it.
afterAll(() => store.close().finally(() => db.drop()));

describe('a capacity collection at concurrency 1, all projections live', () => {
  it('costs a few statements per instance; the tables equal a rebuild', async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore(db.pool);
    const daemon = new ProjectionDaemon({
      projections: allProjections,
      store,
      knex: db.knex,
      logger: createLogger({ level: 'silent' }),
      decode,
    });
    daemon.start();
    try {
      const sessionId = randomUUID();
      const instances = Array.from({ length: INSTANCES }, (_, i) => ({
        instanceId: randomUUID(),
        instanceName: `db-${i}`,
      }));
      const appendNext = appendInOrder(store);
      const append = async (stream: string, events: EventData[]): Promise<Position> => {
        const { position } = await appendNext(stream, events);
        await daemon.waitForPosition(position, 60_000);
        return position;
      };
      const metadata = (instanceId?: string) =>
        testMetadata({ occurredAt: '2026-11-20T02:00:00.000001Z', sessionId, instanceId });
      const session = sessionCommands(metadata, (events) => append(sessionStream(sessionId), events));
      const capacity = (instanceId: string, type: string, data: unknown) =>
        append(capacityStream(instanceId), [
          { eventId: randomUUID(), type, schemaVersion: 1, data, metadata: metadata(instanceId) },
        ]);
      await session.start(sessionId, instances);

      const names = Array.from({ length: DATABASES }, (_, i) => `app${i}`);
      const statements = vi.spyOn(pg.Client.prototype, 'query');
      let sent = 0;
      try {
        for (const { instanceId } of instances) {
          await session.startRecord(sessionId, instanceId);
          await capacity(instanceId, 'DatabaseInventorySynced', {
            instanceId,
            sessionId,
            collectedDate: '2026-11-20',
            databases: names,
            added: names,
            vanished: [],
          });
          const databases = names.map((databaseName, i) => ({
            databaseName,
            sizeMb: i + 1,
            dataSizeMb: i,
            logSizeMb: null,
          }));
          await capacity(instanceId, 'StatsSaved', {
            instanceId,
            sessionId,
            collectedDate: '2026-11-20',
            collectedAt: '2026-11-20T02:00:01.000001Z',
            databases,
            totalSizeMb: databases.reduce((sum, d) => sum + d.sizeMb, 0),
            databaseCount: databases.length,
          });
          await session.complete(sessionId, instanceId, DATABASES);
        }
        // The reads of the log are left out: how many find nothing depends on the other transactions of
        // the cluster (an event is visible once no older one is open), not on this process.
        sent = statements.mock.calls.filter(([q]) => !JSON.stringify(q).includes('FROM events')).length;
      } finally {
        statements.mockRestore();
      }
      const perInstance = sent / INSTANCES;
      process.stdout.write(
        `statements per instance (4 appends, 12 runners; reads of the log left out): ${perInstance.toFixed(1)}\n`,
      );
      // Before: 105 (each runner with nothing to apply sent its own checkpoint UPDATE, each batch's
      // transaction read its checkpoint FOR UPDATE, and sync_sessions read and rewrote the session row);
      // 58 with those fixed and still a transaction of its own per runner that applies; 40 now.
      expect(perInstance).toBeLessThanOrEqual(45);
    } finally {
      await daemon.stop();
    }
    await expectRebuildMatchesLive({
      knex: db.knex,
      store,
      projections: [syncSessionsProjection, capacityProjection],
      decode,
    });
  }, 120_000);
});
