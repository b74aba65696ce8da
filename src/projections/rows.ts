// Table writes shared by the projections. Every write names a physical table (the projection's
// `ctx.table(name)`), so a rebuild's twins receive exactly what the live tables would.
import type { Knex } from 'knex';
import { prepared } from '../adapters/db/preparedStatements.js';

/** The most bind parameters one statement may carry (PostgreSQL allows 65535). */
const maxParameters = 30_000;

const chunks = <T>(rows: readonly T[], columns: number): T[][] => {
  const size = Math.max(1, Math.floor(maxParameters / columns));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
};

/** Inserts rows in chunks small enough for the bind-parameter limit. */
export async function insertRows(
  trx: Knex.Transaction,
  table: string,
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  if (rows.length === 0) return;
  for (const chunk of chunks(rows, Object.keys(rows[0]!).length)) await trx(table).insert(chunk);
}

/**
 * Inserts or replaces rows in chunks. `merge`: the columns a conflict overwrites (all of them when
 * omitted). One statement may not touch the same key twice: pass each key once (see lastByKey).
 */
export async function upsertRows(
  trx: Knex.Transaction,
  table: string,
  rows: readonly Record<string, unknown>[],
  conflict: string[],
  merge?: string[],
): Promise<void> {
  if (rows.length === 0) return;
  for (const chunk of chunks(rows, Object.keys(rows[0]!).length)) {
    const q = trx(table).insert(chunk).onConflict(conflict);
    await (merge ? q.merge(merge) : q.merge());
  }
}

/** How many rows one statement of writeRows carries. */
const rowsPerStatement = 5_000;

/**
 * Inserts rows, or with `conflict` upserts them (`merge`: the columns a conflict overwrites, by default every
 * column but the conflict's), sent as one jsonb parameter per statement and typed by the table's own row
 * type (jsonb_populate_recordset). insertRows and upsertRows bind one parameter per value, and building and
 * sending those cost the client more than the write costs the server (docs/decisions.md, "The accounts
 * projection's writes"). Every row gives the same keys (a key a row lacks is NULL, not the column's
 * default); a jsonb column takes the value itself (an object, an array), not its JSON text; numbers must
 * be finite (JSON has no NaN). One statement may not touch the same key twice: pass each key once.
 */
export async function writeRows(
  trx: Knex.Transaction,
  table: string,
  rows: readonly object[],
  options: { conflict?: readonly string[]; merge?: readonly string[] } = {},
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const list = columns.map(() => '??').join(', ');
  const head = [table, ...columns, ...columns, table];
  let conflictSql = '';
  const tail: string[] = [];
  const { conflict } = options;
  if (conflict) {
    const merge = options.merge ?? columns.filter((c) => !conflict.includes(c));
    conflictSql = ` ON CONFLICT (${conflict.map(() => '??').join(', ')}) DO ${
      merge.length === 0 ? 'NOTHING' : `UPDATE SET ${merge.map(() => '?? = excluded.??').join(', ')}`
    }`;
    tail.push(...conflict, ...merge.flatMap((c) => [c, c]));
  }
  const sql = `INSERT INTO ?? (${list}) SELECT ${list} FROM jsonb_populate_recordset(NULL::??, ?::jsonb)${conflictSql}`;
  for (let i = 0; i < rows.length; i += rowsPerStatement)
    await trx
      .raw(sql, [...head, JSON.stringify(rows.slice(i, i + rowsPerStatement)), ...tail])
      .options(prepared); // one text per table, columns and conflict
}

/**
 * upsertRows as writeRows sends rows (one jsonb parameter per statement), for rows whose keys may differ
 * (built from an event's own rows): a key a row lacks or leaves undefined takes the column's default, and a
 * conflict overwrites every column a row of the call gives, with its default where this row lacks it, as
 * knex's multi-row upsert does (a key left undefined by every row too). Rows are grouped by the keys they give (rows built alike: one group), each
 * group a statement that lists its own columns. Values as in writeRows (finite numbers, a jsonb column takes
 * the value itself). Pass each key once.
 */
export async function upsertRowsAsJson(
  trx: Knex.Transaction,
  table: string,
  rows: readonly Record<string, unknown>[],
  conflict: readonly string[],
): Promise<void> {
  const groups = new Map<string, { columns: string[]; rows: Record<string, unknown>[] }>();
  const all = new Set<string>();
  for (const row of rows) {
    const columns = Object.keys(row).filter((k) => row[k] !== undefined);
    const key = columns.join('\0');
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { columns, rows: [] }));
    group.rows.push(row);
    for (const c of Object.keys(row)) all.add(c);
  }
  const merged = [...all].filter((c) => !conflict.includes(c));
  for (const { columns, rows: group } of groups.values()) {
    const given = new Set(columns);
    const list = columns.map(() => '??').join(', ');
    const set = merged.map((c) => (given.has(c) ? '?? = excluded.??' : '?? = DEFAULT')).join(', ');
    const sql =
      `INSERT INTO ?? (${list}) SELECT ${list} FROM jsonb_populate_recordset(NULL::??, ?::jsonb) ` +
      `ON CONFLICT (${conflict.map(() => '??').join(', ')}) DO ${merged.length === 0 ? 'NOTHING' : `UPDATE SET ${set}`}`;
    const tail = [...conflict, ...merged.flatMap((c) => (given.has(c) ? [c, c] : [c]))];
    for (let i = 0; i < group.length; i += rowsPerStatement) {
      const part = JSON.stringify(group.slice(i, i + rowsPerStatement));
      await trx.raw(sql, [table, ...columns, ...columns, table, part, ...tail]);
    }
  }
}

/** The last row per key, in the order keys first appear. */
export const lastByKey = <T>(rows: readonly T[], key: (row: T) => string): T[] => [
  ...new Map(rows.map((r) => [key(r), r])).values(),
];

/** Rows whose `column` is one of `values`, read in chunks (one bound parameter per value). */
export async function selectWhereIn<Row>(
  trx: Knex.Transaction,
  table: string,
  column: string | string[],
  values: readonly unknown[],
  columns: readonly string[],
  timeColumns: ReadonlySet<string> = new Set(),
): Promise<Row[]> {
  const out: Row[] = [];
  const width = Array.isArray(column) ? column.length : 1;
  for (const chunk of chunks(values, width)) {
    const rows = (await trx(table)
      .whereIn(column as string, chunk as readonly string[])
      .select(selectList(trx, columns, timeColumns))) as Row[];
    out.push(...rows);
  }
  return out;
}

/**
 * A column list whose timestamps are read back as text, not as Date: a Date keeps milliseconds only,
 * and writing a loaded row back must not change a time the log gave with microseconds (live and rebuilt
 * tables must agree whatever the batch boundaries).
 */
export const selectList = (
  trx: Knex.Transaction,
  columns: readonly string[],
  timeColumns: ReadonlySet<string>,
): (string | Knex.Raw)[] => columns.map((c) => (timeColumns.has(c) ? trx.raw('??::text AS ??', [c, c]) : c));

/** A JSON column's value for an insert: jsonb columns take text, null stays null. */
export const json = (value: unknown): string | null => (value === null ? null : JSON.stringify(value));
