// A migrated database with the validating event store, for the classification write-side tests, and the
// check that the write-side tables (classification_index, classification_rule_index, the classification
// name reservations) say what folding the classification-* and rule-* streams says.
import { expect } from 'vitest';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import type { EventStore } from '../../src/adapters/eventStore/port.js';
import { validatingEventStore } from '../../src/adapters/eventStore/validatingEventStore.js';
import { loadClassification, NAME_SCOPE } from '../../src/commands/classification/classifications.js';
import { loadRule } from '../../src/commands/classification/rules.js';
import type { CommandContext } from '../../src/commands/commandContext.js';
import { nameKey } from '../../src/commands/streamWrites.js';
import { canonicalExpression } from '../../src/domain/classification/canonical.js';
import { createEventRegistry } from '../../src/domain/eventTypes.js';
import { sortedBy, streamIdsWithPrefix } from './streamIds.js';
import { createTestDatabase, type TestDatabase } from './testDatabase.js';

export const userCtx: CommandContext = {
  actor: { kind: 'user', id: 'tester' },
  correlationId: 'c',
  now: new Date('2026-12-02T10:00:00Z'),
};

export interface ClassificationWrites {
  db: TestDatabase;
  store: EventStore;
  deps: { knex: TestDatabase['knex']; store: EventStore };
  close(): Promise<void>;
}

export async function classificationWrites(): Promise<ClassificationWrites> {
  const db = await createTestDatabase();
  const raw = new PostgresEventStore(db.pool);
  const store = validatingEventStore(raw, createEventRegistry());
  return {
    db,
    store,
    deps: { knex: db.knex, store },
    async close() {
      await raw.close();
      await db.drop();
    },
  };
}

/** The index tables equal what the streams fold to. */
export async function expectIndexesMatchStreams(w: ClassificationWrites): Promise<void> {
  const classifications = [];
  const names = [];
  for (const id of await streamIdsWithPrefix(w.db.knex, 'classification')) {
    const { state } = await loadClassification(w.store, id);
    if (state.lifecycle !== 'active') continue;
    classifications.push({ classification_id: id, is_active: state.isActive });
    names.push({ name_key: nameKey(state.name), owner_id: id });
  }
  const rules = [];
  for (const id of await streamIdsWithPrefix(w.db.knex, 'rule')) {
    const { state } = await loadRule(w.store, id);
    if (state.lifecycle !== 'active') continue;
    rules.push({
      rule_id: id,
      classification_id: state.classificationId,
      db_type: state.dbType,
      version: state.version,
      expression: state.expression,
      canonical: canonicalExpression(state.expression),
      is_active: state.isActive,
    });
  }
  const k = w.db.knex;
  expect(await k('classification_index').orderBy('classification_id')).toEqual(
    sortedBy(classifications, (r) => r.classification_id),
  );
  expect(
    await k('name_reservations')
      .where({ scope: NAME_SCOPE })
      .orderBy('owner_id')
      .select('name_key', 'owner_id'),
  ).toEqual(sortedBy(names, (r) => r.owner_id));
  expect(await k('classification_rule_index').orderBy('rule_id')).toEqual(sortedBy(rules, (r) => r.rule_id));
}
