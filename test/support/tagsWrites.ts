// A migrated database with the validating event store and the real session runner, for the tags write-side
// tests: instances registered through the real command (no credential: tagging never connects), tags
// created through the real command, and the check that the write-side tables (tag_index,
// instance_tag_index, the tag name reservations) say what folding the tag-* and instance-* streams says.
import { expect } from 'vitest';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import type { EventStore } from '../../src/adapters/eventStore/port.js';
import { validatingEventStore } from '../../src/adapters/eventStore/validatingEventStore.js';
import { generateKey } from '../../src/adapters/keyring/keyring.js';
import type { CommandContext } from '../../src/commands/commandContext.js';
import { makeRegisterInstance } from '../../src/commands/instances.js';
import { nameKey } from '../../src/commands/streamWrites.js';
import type { SessionRunDeps } from '../../src/commands/sync/runSession.js';
import { loadInstanceTags } from '../../src/commands/tags/instanceTags.js';
import { loadTag, makeCreateTag, TAG_NAME_SCOPE } from '../../src/commands/tags/tags.js';
import { createEventRegistry } from '../../src/domain/eventTypes.js';
import { createLogger } from '../../src/logger.js';
import { sortedBy, streamIdsWithPrefix } from './streamIds.js';
import { createTestDatabase, type TestDatabase } from './testDatabase.js';

export const userCtx = (): CommandContext => ({
  actor: { kind: 'user', id: 'tester' },
  correlationId: 'c',
  now: new Date(),
});

export interface TagsWrites {
  db: TestDatabase;
  raw: PostgresEventStore;
  /** The store the commands use; tests may wrap it (sessionRun with another store). */
  store: EventStore;
  sessionRun: SessionRunDeps;
  /** Registers instances named `${prefix}-0` ... in parallel; returns their ids in that order. */
  instances(prefix: string, count: number): Promise<string[]>;
  /** Creates a tag named `name`; returns its id. */
  tag(name: string, fields?: { category?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function tagsWrites(): Promise<TagsWrites> {
  const db = await createTestDatabase();
  const raw = new PostgresEventStore(db.pool);
  const store = validatingEventStore(raw, createEventRegistry());
  const ring = { current: generateKey(), previous: [] };
  const sessionRun: SessionRunDeps = {
    knex: db.knex,
    pool: db.pool,
    store,
    keyring: () => ring,
    logger: createLogger({ level: 'silent' }),
  };
  const register = makeRegisterInstance({ knex: db.knex, store });
  const createTag = makeCreateTag({ knex: db.knex, store });
  return {
    db,
    raw,
    store,
    sessionRun,
    async instances(prefix, count) {
      const ids: string[] = [];
      for (let start = 0; start < count; start += 8) {
        const batch = Array.from({ length: Math.min(8, count - start) }, (_, k) => start + k);
        const made = await Promise.all(
          batch.map((n) =>
            register(
              {
                name: `${prefix}-${n}`,
                dbType: 'mysql',
                host: `${prefix}-${n}.example`,
                port: 3306,
                databaseName: null,
                credentialId: null,
                description: '',
              },
              userCtx(),
            ),
          ),
        );
        ids.push(...made.map((m) => m.id));
      }
      return ids;
    },
    async tag(name, fields = {}) {
      const { id } = await createTag(
        { name, displayName: name, category: fields.category ?? '', color: '', description: '' },
        userCtx(),
      );
      return id;
    },
    async close() {
      await raw.close();
      await db.drop();
    },
  };
}

/** The write-side tables equal what the tag and instance streams fold to. */
export async function expectTagIndexesMatchStreams(w: TagsWrites): Promise<void> {
  const tags = [];
  const names = [];
  for (const id of await streamIdsWithPrefix(w.db.knex, 'tag')) {
    const { state } = await loadTag(w.store, id);
    if (state.lifecycle !== 'active') continue;
    tags.push({ tag_id: id, is_active: state.isActive });
    names.push({ name_key: nameKey(state.name), owner_id: id });
  }
  const held = [];
  for (const id of await streamIdsWithPrefix(w.db.knex, 'instance')) {
    const { state } = await loadInstanceTags(w.store, id);
    for (const tagId of state.tags.keys()) held.push({ instance_id: id, tag_id: tagId });
  }
  const k = w.db.knex;
  expect(await k('tag_index').orderBy('tag_id')).toEqual(sortedBy(tags, (r) => r.tag_id));
  expect(
    await k('name_reservations')
      .where({ scope: TAG_NAME_SCOPE })
      .orderBy('owner_id')
      .select('name_key', 'owner_id'),
  ).toEqual(sortedBy(names, (r) => r.owner_id));
  expect(await k('instance_tag_index').orderBy(['instance_id', 'tag_id'])).toEqual(
    sortedBy(held, (r) => `${r.instance_id}/${r.tag_id}`),
  );
}
