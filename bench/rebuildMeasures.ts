// The rebuild benchmark's measures (rebuild.ts): reading the log once doing nothing, writing every read
// table's final rows into an empty twin, and waiting until the log written is visible to readers.
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import type { PostgresEventStore } from '../src/adapters/eventStore/postgresEventStore.js';
import { START, comparePositions, type Position } from '../src/domain/events/envelope.js';
import { createTwin, dropTwin } from '../src/projections/tableTwins.js';
import { committedHead } from '../test/support/catchUp.js';

/**
 * Readers see an event only once no older transaction of the cluster is open (docs/architecture.md), and
 * other work on the same server may hold one for a while: wait until the whole log is visible.
 */
export async function untilLogVisible(knex: Knex, store: PostgresEventStore, timeoutMs = 300_000) {
  const head = await committedHead(knex);
  if (!head) return;
  const until = Date.now() + timeoutMs;
  while (comparePositions(await store.headPosition(), head) < 0) {
    if (Date.now() > until) throw new Error('the log did not become visible to readers in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** (a): readAll from the start to the end in batches, doing nothing with the events. */
export async function readWholeLog(store: PostgresEventStore, batchSize: number) {
  const started = performance.now();
  let position: Position = START;
  let events = 0;
  for (;;) {
    const batch = await store.readAll({ fromPosition: position, maxCount: batchSize });
    events += batch.length;
    if (batch.length < batchSize) break;
    position = batch[batch.length - 1]!.position;
  }
  return { events, seconds: (performance.now() - started) / 1000 };
}

/**
 * (b): every table's final rows written into an empty twin (same columns, constraints, indexes and
 * partitions), batchSize rows per statement and transaction, from the client: the rows travel as text and
 * the server parses and indexes them, as it does a projection's writes. Reading them out is not timed.
 */
export async function writeFinalRows(knex: Knex, tables: readonly string[], batchSize: number) {
  let rows = 0;
  let seconds = 0;
  const perTable: { table: string; rows: number; seconds: number }[] = [];
  for (const table of tables) {
    const twin = await createTwin(knex, table);
    try {
      const { rows: found } = await knex.raw<{ rows: { r: string }[] }>(`SELECT t::text AS r FROM ?? t`, [
        table,
      ]);
      const texts = found.map((f) => f.r);
      const started = performance.now();
      for (let i = 0; i < texts.length; i += batchSize)
        await knex.transaction((trx) =>
          trx.raw(`INSERT INTO ?? OVERRIDING SYSTEM VALUE SELECT (r::??).* FROM unnest(?::text[]) AS r`, [
            twin,
            table,
            texts.slice(i, i + batchSize),
          ]),
        );
      const took = (performance.now() - started) / 1000;
      perTable.push({ table, rows: texts.length, seconds: took });
      rows += texts.length;
      seconds += took;
    } finally {
      await dropTwin(knex, table);
    }
  }
  return { rows, seconds, perTable };
}

/** Row counts of the tables, to check two rebuilds left the same. */
export async function rowCounts(knex: Knex, tables: readonly string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of tables) counts[t] = Number((await knex(t).count({ c: '*' }))[0]!.c);
  return counts;
}
