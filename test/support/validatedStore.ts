// A test database with the service's store on it: the raw PostgreSQL store and the validating one the
// commands use (every append validated, every read decoded), closed and dropped together.
import type { EventStore } from '../../src/adapters/eventStore/port.js';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { validatingEventStore } from '../../src/adapters/eventStore/validatingEventStore.js';
import { createEventRegistry } from '../../src/domain/eventTypes.js';
import { createTestDatabase, type TestDatabase } from './testDatabase.js';

export interface ValidatedStore {
  db: TestDatabase;
  raw: PostgresEventStore;
  store: EventStore;
  close(): Promise<void>;
}

export async function openValidatedStore(): Promise<ValidatedStore> {
  const db = await createTestDatabase();
  const raw = new PostgresEventStore(db.pool);
  return {
    db,
    raw,
    store: validatingEventStore(raw, createEventRegistry()),
    close: async () => {
      await raw.close();
      await db.drop();
    },
  };
}
