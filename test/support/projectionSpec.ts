// The harness of a projection's int test: a fresh database per file, a validating store to append
// through, runners of the projection under test, and the checks such a test ends with: caught up to
// every committed event (catchUpToCommitted, not a bare catchUp that can stop short), and the live
// tables equal to a rebuild from events.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { EventStore } from '../../src/adapters/eventStore/port.js';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { decodeKnown, validatingEventStore } from '../../src/adapters/eventStore/validatingEventStore.js';
import type { EventMetadata } from '../../src/domain/events/envelope.js';
import { createEventRegistry } from '../../src/domain/eventTypes.js';
import { createLogger } from '../../src/logger.js';
import type { Projection } from '../../src/projections/projection.js';
import { type Decode, ProjectionRunner } from '../../src/projections/runner.js';
import { catchUpToCommitted } from './catchUp.js';
import { testMetadata } from './eventFactory.js';
import { expectRebuildMatchesLive } from './readTables.js';
import { createTestDatabase, type TestDatabase } from './testDatabase.js';

export interface ProjectionSpec {
  readonly db: TestDatabase;
  /** The store as the runner reads it (no validation on append). */
  readonly raw: PostgresEventStore;
  /** The store tests append through: every event is validated against the registry. */
  readonly store: EventStore;
  readonly decode: Decode;
  /** A runner of the projection; small batches make rows load back and be rewritten across batches. */
  runner(options?: { batchSize?: number }): ProjectionRunner;
  /** Appends one event to a stream with the metadata given (a time, an actor, ids) over test defaults. */
  append(stream: string, type: string, data: unknown, metadata: Partial<EventMetadata>): Promise<void>;
  /** Runs the runner until it has applied every event committed so far. */
  catchUp(runner: ProjectionRunner): Promise<void>;
  /** Asserts that rebuilding the projection from events gives the tables the live runner built. */
  expectRebuildMatchesLive(): Promise<void>;
}

/** Call inside a describe: opens the database before its tests and drops it after them. */
export function projectionSpec(projection: Projection): ProjectionSpec {
  const registry = createEventRegistry();
  const decode = decodeKnown(registry);
  const logger = createLogger({ level: 'silent' });
  let db: TestDatabase | undefined;
  let raw: PostgresEventStore | undefined;
  const opened = () => {
    if (!db || !raw) throw new Error('projectionSpec: used outside a test');
    return { db, raw };
  };
  beforeAll(async () => {
    db = await createTestDatabase();
    raw = new PostgresEventStore(db.pool);
  });
  afterAll(async () => {
    await raw?.close();
    await db?.drop();
  });
  return {
    get db() {
      return opened().db;
    },
    get raw() {
      return opened().raw;
    },
    get store() {
      return validatingEventStore(opened().raw, registry);
    },
    decode,
    runner: (options = {}) =>
      new ProjectionRunner({
        projection,
        store: opened().raw,
        knex: opened().db.knex,
        logger,
        decode,
        ...options,
      }),
    async append(stream, type, data, metadata) {
      await validatingEventStore(opened().raw, registry).append(
        stream,
        [{ eventId: randomUUID(), type, schemaVersion: 1, data, metadata: testMetadata(metadata) }],
        { expectedRevision: 'any' },
      );
    },
    catchUp: (runner) => catchUpToCommitted(runner, opened().db.knex),
    expectRebuildMatchesLive: () =>
      expectRebuildMatchesLive({
        knex: opened().db.knex,
        store: opened().raw,
        projections: [projection],
        decode,
      }),
  };
}
