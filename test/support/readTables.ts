// Dumps read tables into a comparable form, and the check every later issue reuses:
// "the live tables equal the tables rebuilt from events".
import type { Knex } from 'knex';
import { expect } from 'vitest';
import type { EventStore } from '../../src/adapters/eventStore/port.js';
import { createLogger } from '../../src/logger.js';
import type { Projection } from '../../src/projections/projection.js';
import { rebuildProjection } from '../../src/projections/rebuild.js';
import type { Decode } from '../../src/projections/runner.js';

export type TableDump = Record<string, string[]>;

const canonical = (value: unknown): unknown => {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
};

/** Every row of each table as canonical JSON (keys sorted), rows sorted: order-independent and diffable. */
export async function dumpTables(
  knex: Knex,
  tables: readonly string[],
  options: { ignoreColumns?: readonly string[] } = {},
): Promise<TableDump> {
  const dump: TableDump = {};
  for (const table of tables) {
    const rows = (await knex(table).select('*')) as Record<string, unknown>[];
    dump[table] = rows
      .map((row) => {
        const kept = Object.fromEntries(
          Object.entries(row).filter(([k]) => !options.ignoreColumns?.includes(k)),
        );
        return JSON.stringify(canonical(kept));
      })
      .sort();
  }
  return dump;
}

/** Rebuilds each projection from events and asserts the swapped-in tables equal what the live runner built. */
export async function expectRebuildMatchesLive(deps: {
  knex: Knex;
  store: EventStore;
  projections: readonly Projection[];
  decode?: Decode;
  ignoreColumns?: readonly string[];
}): Promise<void> {
  const logger = createLogger({ level: 'silent' });
  for (const projection of deps.projections) {
    const live = await dumpTables(deps.knex, projection.tables, deps);
    await rebuildProjection({ projection, store: deps.store, knex: deps.knex, logger, decode: deps.decode });
    const rebuilt = await dumpTables(deps.knex, projection.tables, deps);
    expect(rebuilt, `projection ${projection.name}: rebuilt tables differ from live ones`).toEqual(live);
  }
}
