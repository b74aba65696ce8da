// The ids of the streams whose names start with `<prefix>-` (from the stream catalog), for tests that check
// a write-side table against what folding each stream says.
import type { Knex } from 'knex';

export const streamIdsWithPrefix = async (knex: Knex, prefix: string): Promise<string[]> =>
  (
    await knex('streams')
      .where('stream_id', 'like', `${prefix}-%`)
      .orderBy('stream_id')
      .select<{ stream_id: string }[]>('stream_id')
  ).map((r) => r.stream_id.slice(prefix.length + 1));

/** Sorts in place by `key` (as the tables' ORDER BY does for text) and returns the rows. */
export const sortedBy = <T>(rows: T[], key: (r: T) => string): T[] =>
  rows.sort((a, b) => key(a).localeCompare(key(b)));
