// The writes of one batch of the accounts projection in as few statements as the rows allow, usually one:
// each table's rows as one key of a single jsonb parameter, each table written by its own data-modifying
// CTE (they touch different tables, and none reads what another writes). Statements went first: a
// batch's five to seven statements cost the service more than the rows they carry (docs/decisions.md,
// "The accounts projection's statements per batch"). Rows are typed by the table's own row type
// (jsonb_populate_recordset), as rows.writeRows sends them.
import type { Knex } from 'knex';
import { prepared } from '../../adapters/db/preparedStatements.js';

/** How many rows one statement carries at most (rows.writeRows sends as many per statement). */
const rowsPerStatement = 5_000;

/** Rows for one table: inserted, upserted on `conflict`, numbered after the table's highest id, or deleted. */
export interface TablePart {
  table: string;
  rows: readonly object[];
  /** upsert: the key; every other column of the rows is overwritten, unless `unchanged` says it is equal. */
  conflict?: readonly string[];
  /** upsert: leave a row as it is when none of its columns would change (no new row version). */
  skipUnchanged?: boolean;
  /** insert: the rows' `id` is the table's highest id (0 when empty) plus the row's place, from 1. */
  numbered?: boolean;
  /** delete the rows whose `conflict` columns match. */
  delete?: boolean;
}

const columnsOf = (part: TablePart) => Object.keys(part.rows[0]!);

/** One CTE's SQL and identifiers (its rows are `doc -> key`). */
function cte(part: TablePart, key: string): { sql: string; bindings: string[] } {
  const source = `jsonb_populate_recordset(NULL::??, (SELECT d -> '${key}' FROM doc))`;
  const columns = columnsOf(part);
  const list = columns.map(() => '??').join(', ');
  if (part.delete) {
    const keys = part.conflict!;
    return {
      sql: `DELETE FROM ?? t USING ${source} r WHERE ${keys.map(() => 't.?? = r.??').join(' AND ')}`,
      bindings: [part.table, part.table, ...keys.flatMap((k) => [k, k])],
    };
  }
  if (part.numbered) {
    const rest = columns.filter((c) => c !== 'id');
    const restList = rest.map(() => 'r.??').join(', ');
    return {
      sql:
        `INSERT INTO ?? (id, ${rest.map(() => '??').join(', ')}) ` +
        `SELECT (SELECT coalesce(max(id), 0) FROM ??) + r.ordinality, ${restList} ` +
        `FROM ${source} WITH ORDINALITY r`,
      bindings: [part.table, ...rest, part.table, ...rest, part.table],
    };
  }
  const head = [part.table, ...columns, ...columns, part.table];
  if (!part.conflict)
    return { sql: `INSERT INTO ?? (${list}) SELECT ${list} FROM ${source}`, bindings: head };
  const merge = columns.filter((c) => !part.conflict!.includes(c));
  const when = part.skipUnchanged
    ? ` WHERE (${merge.map(() => 't.??').join(', ')}) IS DISTINCT FROM (${merge.map(() => 'excluded.??').join(', ')})`
    : '';
  return {
    sql:
      `INSERT INTO ?? AS t (${list}) SELECT ${list} FROM ${source} ` +
      `ON CONFLICT (${part.conflict.map(() => '??').join(', ')}) DO UPDATE SET ${merge.map(() => '?? = excluded.??').join(', ')}${when}`,
    bindings: [
      ...head,
      ...part.conflict,
      ...merge.flatMap((c) => [c, c]),
      ...(part.skipUnchanged ? [...merge, ...merge] : []),
    ],
  };
}

/**
 * Writes the parts in order, as few statements as `rowsPerStatement` allows: a part that does not fit
 * goes on in the next statement (so a numbered part's next rows see the ids of its earlier ones). Every
 * part's rows give the same keys; jsonb columns take the value itself.
 */
export async function writeParts(trx: Knex.Transaction, parts: readonly TablePart[]): Promise<void> {
  let pending = parts.filter((p) => p.rows.length > 0).map((p) => ({ ...p }));
  while (pending.length > 0) {
    let room = rowsPerStatement;
    const taken: TablePart[] = [];
    const left: TablePart[] = [];
    for (const part of pending) {
      if (room === 0) {
        left.push(part);
        continue;
      }
      const n = Math.min(room, part.rows.length);
      taken.push({ ...part, rows: part.rows.slice(0, n) });
      if (n < part.rows.length) left.push({ ...part, rows: part.rows.slice(n) });
      room -= n;
    }
    const ctes = taken.map((part, i) => ({ key: `p${i}`, ...cte(part, `p${i}`) }));
    const doc = Object.fromEntries(taken.map((part, i) => [`p${i}`, part.rows]));
    await trx
      .raw(
        `WITH doc AS (SELECT ?::jsonb AS d), ${ctes.map((c) => `${c.key} AS (${c.sql})`).join(', ')} SELECT 1`,
        [JSON.stringify(doc), ...ctes.flatMap((c) => c.bindings)],
      )
      .options(prepared); // one text per combination of parts: a few dozen at most
    pending = left;
  }
}
