import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { validatingEventStore } from '../../src/adapters/eventStore/validatingEventStore.js';
import {
  defineEvent,
  EventRegistry,
  EventValidationError,
  UnknownEventTypeError,
} from '../../src/domain/events/registry.js';
import { anEvent, uniqueStream } from '../support/eventFactory.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';

// Version 1 stored { name }; version 2 is { displayName, locale }.
const renamed = defineEvent({
  type: 'Renamed',
  schemaVersion: 2,
  schema: z.object({ displayName: z.string().min(1), locale: z.string() }),
  upcasters: { 1: (d) => ({ displayName: (d as { name: string }).name, locale: 'en' }) },
});

describe('validating event store (registry in front of PostgreSQL)', () => {
  let db: TestDatabase;
  let raw: PostgresEventStore;
  const registry = new EventRegistry([renamed]);
  beforeAll(async () => {
    db = await createTestDatabase();
    raw = new PostgresEventStore(db.pool);
  });
  afterAll(async () => {
    await raw.close();
    await db.drop();
  });

  it('refuses invalid data and unknown types before anything is written', async () => {
    const store = validatingEventStore(raw, registry);
    const s = uniqueStream();
    await expect(
      store.append(s, [anEvent('Renamed', { displayName: '' }, 2)], { expectedRevision: 'any' }),
    ).rejects.toBeInstanceOf(EventValidationError);
    await expect(
      store.append(s, [anEvent('Nope', {}, 1)], { expectedRevision: 'any' }),
    ).rejects.toBeInstanceOf(UnknownEventTypeError);
    expect(await raw.readStream(s)).toEqual([]);
  });

  it('upcasts events stored at an old schema version on every read path, without rewriting them', async () => {
    const store = validatingEventStore(raw, registry);
    const s = uniqueStream();
    const head = await raw.headPosition();
    await raw.append(s, [anEvent('Renamed', { name: 'old shape' }, 1)], { expectedRevision: 'no_stream' });
    await store.append(s, [anEvent('Renamed', { displayName: 'new shape', locale: 'fr' }, 2)], {
      expectedRevision: 0n,
    });

    const expected = [
      { schemaVersion: 2, data: { displayName: 'old shape', locale: 'en' } },
      { schemaVersion: 2, data: { displayName: 'new shape', locale: 'fr' } },
    ];
    expect(await store.readStream(s)).toMatchObject(expected);
    expect((await store.readAll({ fromPosition: head })).filter((e) => e.streamId === s)).toMatchObject(
      expected,
    );
    const stored = await db
      .knex('events')
      .where({ stream_id: s })
      .orderBy('stream_revision')
      .select('schema_version', 'data');
    expect(stored[0]).toEqual({ schema_version: 1, data: { name: 'old shape' } });
  });
});
