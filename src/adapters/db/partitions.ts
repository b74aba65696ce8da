// Monthly range partitions of tables partitioned by a date column (database_size_stats,
// instance_size_stats): list them, create the months ahead, drop old months, report health.
// No hidden clock: callers pass the months and days, as plain 'YYYY-MM-01' strings (domain/periods/months.ts).
// Partitions are named `<table>_YYYY_MM`; each table may have a DEFAULT partition (`<table>_default`)
// that catches rows of months nobody created a partition for. Rows found there for a month being
// created are moved into the new partition (PostgreSQL refuses to create a partition while the default
// holds rows that belong to it).
import type { Knex } from 'knex';
import { addMonths, monthOf, monthsFrom, parseMonth } from '../../domain/periods/months.js';
import {
  catalogPartitions,
  covering,
  exactCount,
  parentTable,
  q,
  type Db,
  type ParentTable,
} from './partitionCatalog.js';

/** Rebuilds clone partitions as `<partition>__rebuild` (src/projections/tableTwins.ts). */
const REBUILD_SUFFIX = '__rebuild';
const MAX_IDENTIFIER_BYTES = 63;

// ---- names ----------------------------------------------------------------------------------------

function checkLength(name: string): string {
  if (Buffer.byteLength(name + REBUILD_SUFFIX) > MAX_IDENTIFIER_BYTES)
    throw new Error(
      `partition name ${name} is too long: with ${REBUILD_SUFFIX} it would exceed PostgreSQL's ${MAX_IDENTIFIER_BYTES}-byte identifier limit`,
    );
  return name;
}

/** `<table>_YYYY_MM` for the month starting on monthStart ('YYYY-MM-01'). */
export function partitionName(table: string, monthStart: string): string {
  const { year, month } = parseMonth(monthStart);
  return checkLength(`${table}_${String(year).padStart(4, '0')}_${String(month).padStart(2, '0')}`);
}

export const defaultPartitionName = (table: string): string => checkLength(`${table}_default`);

// ---- listing --------------------------------------------------------------------------------------

export interface PartitionInfo {
  name: string;
  /** First day covered ('YYYY-MM-DD'); null for the default partition or MINVALUE. */
  from: string | null;
  /** First day no longer covered (exclusive); null for the default partition or MAXVALUE. */
  to: string | null;
  isDefault: boolean;
  /**
   * Rows: the planner's estimate (pg_class.reltuples), or an exact count when asked for, when the
   * partition was never analyzed, and always for the default partition (which should be empty).
   */
  rows: number;
  rowsExact: boolean;
  /** Table, indexes and TOAST. */
  sizeBytes: number;
}

/** The partitions of a table, by month; the default partition last. */
export async function listPartitions(
  knex: Db,
  table: string,
  options: { exactCounts?: boolean } = {},
): Promise<PartitionInfo[]> {
  const parent = await parentTable(knex, table);
  const parts = await catalogPartitions(knex, parent);
  const out: PartitionInfo[] = [];
  for (const p of parts) {
    const exact = options.exactCounts === true || p.isDefault || p.reltuples < 0;
    out.push({
      name: p.name,
      from: p.from,
      to: p.to,
      isDefault: p.isDefault,
      rows: exact ? await exactCount(knex, p.schema, p.name) : Math.round(p.reltuples),
      rowsExact: exact,
      sizeBytes: p.sizeBytes,
    });
  }
  // Plain code-point order: ISO dates sort as months; MINVALUE (null) first, the default last.
  const key = (p: PartitionInfo) => `${p.isDefault ? 1 : 0}|${p.from ?? ''}|${p.name}`;
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

// ---- creating -------------------------------------------------------------------------------------

async function insertableColumns(db: Db, parent: ParentTable): Promise<string[]> {
  const { rows } = await db.raw<{ rows: { name: string }[] }>(
    `SELECT attname AS name FROM pg_attribute
     WHERE attrelid = ?::oid AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
     ORDER BY attnum`,
    [parent.oid],
  );
  return rows.map((r) => r.name);
}

/**
 * Creates the monthly partitions missing from fromMonth to fromMonth + monthsAhead (both included)
 * and returns the names it created. A month already covered by some partition is left alone. Rows
 * of a new month already sitting in the default partition move into the new partition: in one
 * transaction, the default is detached, the partition created, the rows moved, the default attached
 * again. Each month takes an ACCESS EXCLUSIVE lock on the table for the length of its transaction.
 */
export async function ensurePartitions(
  knex: Knex,
  table: string,
  fromMonth: string,
  monthsAhead: number,
): Promise<string[]> {
  const months = monthsFrom(fromMonth, monthsAhead);
  const names = new Map(months.map((m) => [m, partitionName(table, m)]));
  const created: string[] = [];
  for (const month of months) {
    const name = names.get(month)!;
    const made = await knex.transaction(async (trx) => {
      const parent = await parentTable(trx, table);
      const qualifiedParent = `${q(parent.schema)}.${q(parent.name)}`;
      // CREATE TABLE ... PARTITION OF takes this lock anyway; taking it first closes the window in
      // which an insert could land in the default between the check below and the create.
      await trx.raw(`LOCK TABLE ${qualifiedParent} IN ACCESS EXCLUSIVE MODE`);
      const parts = await catalogPartitions(trx, parent);
      if (covering(parts, month)) return false;

      const next = addMonths(month, 1);
      // Literals from parseMonth-checked strings: DDL takes no bind parameters.
      const bound = `FOR VALUES FROM ('${month}') TO ('${next}')`;
      const qualified = `${q(parent.schema)}.${q(name)}`;
      const key = q(parent.keyColumn);
      const def = parts.find((p) => p.isDefault);
      const strays = def
        ? (
            await trx.raw<{ rows: unknown[] }>(
              `SELECT 1 FROM ${q(def.schema)}.${q(def.name)} WHERE ${key} >= ?::date AND ${key} < ?::date LIMIT 1`,
              [month, next],
            )
          ).rows.length > 0
        : false;
      if (!def || !strays) {
        await trx.raw(`CREATE TABLE ${qualified} PARTITION OF ${qualifiedParent} ${bound}`);
        return true;
      }
      const qualifiedDefault = `${q(def.schema)}.${q(def.name)}`;
      const columns = (await insertableColumns(trx, parent)).map(q).join(', ');
      await trx.raw(`ALTER TABLE ${qualifiedParent} DETACH PARTITION ${qualifiedDefault}`);
      await trx.raw(`CREATE TABLE ${qualified} PARTITION OF ${qualifiedParent} ${bound}`);
      await trx.raw(
        `WITH moved AS (
           DELETE FROM ${qualifiedDefault} WHERE ${key} >= ?::date AND ${key} < ?::date RETURNING ${columns}
         )
         INSERT INTO ${qualified} (${columns}) OVERRIDING SYSTEM VALUE SELECT ${columns} FROM moved`,
        [month, next],
      );
      await trx.raw(`ALTER TABLE ${qualifiedParent} ATTACH PARTITION ${qualifiedDefault} DEFAULT`);
      return true;
    });
    if (made) created.push(name);
  }
  return created;
}

// ---- dropping -------------------------------------------------------------------------------------

/**
 * Drops the partitions (and their rows) whose range ends on or before beforeMonth ('YYYY-MM-01'):
 * every day they cover is before that month. Never the default partition. Returns the names dropped.
 */
export async function dropPartitionsBefore(
  knex: Knex,
  table: string,
  beforeMonth: string,
): Promise<string[]> {
  parseMonth(beforeMonth);
  return knex.transaction(async (trx) => {
    const parent = await parentTable(trx, table);
    const old = (await catalogPartitions(trx, parent))
      .filter((p) => !p.isDefault && p.to !== null && p.to <= beforeMonth)
      .sort((a, b) => (`${a.to}|${a.name}` < `${b.to}|${b.name}` ? -1 : 1));
    for (const p of old) await trx.raw(`DROP TABLE ${q(p.schema)}.${q(p.name)}`);
    return old.map((p) => p.name);
  });
}

// ---- health ---------------------------------------------------------------------------------------

export interface PartitionStatus {
  /** No month missing and no row in a default partition. */
  healthy: boolean;
  /** Months from today's through today's + monthsAhead that no partition covers. */
  missing: { table: string; month: string }[];
  /** For each table, the partition holding today's month (null: rows go to the default, or fail). */
  current: { table: string; month: string; partition: string | null }[];
  /** Rows in the default partitions, all tables together: each is a sign of a missing partition. */
  defaultRows: number;
  defaultRowsByTable: Record<string, number>;
}

export async function partitionStatus(
  knex: Db,
  tables: readonly string[],
  today: string,
  monthsAhead: number,
): Promise<PartitionStatus> {
  const thisMonth = monthOf(today);
  const months = monthsFrom(thisMonth, monthsAhead);
  const status: PartitionStatus = {
    healthy: true,
    missing: [],
    current: [],
    defaultRows: 0,
    defaultRowsByTable: {},
  };
  for (const table of tables) {
    const parent = await parentTable(knex, table);
    const parts = await catalogPartitions(knex, parent);
    for (const month of months) if (!covering(parts, month)) status.missing.push({ table, month });
    status.current.push({ table, month: thisMonth, partition: covering(parts, thisMonth)?.name ?? null });
    let rows = 0;
    for (const p of parts) if (p.isDefault) rows += await exactCount(knex, p.schema, p.name);
    status.defaultRowsByTable[table] = rows;
    status.defaultRows += rows;
  }
  status.healthy = status.missing.length === 0 && status.defaultRows === 0;
  return status;
}
