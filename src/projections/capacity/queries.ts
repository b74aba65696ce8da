// Reads of the capacity tables for the API. Dates (collected_date, first/last_seen_date) are read as
// 'YYYY-MM-DD' text, so no time zone shifts them; numeric sizes come back from pg as text, made numbers.
import type { Knex } from 'knex';
import { databaseId } from '../../domain/ids.js';
import type { Paging } from '../../domain/paging.js';
import { paged } from '../paging.js';
import { escapeLike } from '../credentials/queries.js';
import { tagNames, whereTagged } from '../tags/queries.js';

const num = (v: string | number | null): number | null => (v === null ? null : Number(v));
const iso = (d: Date | null) => d?.toISOString() ?? null;

interface LedgerDbRow {
  id: string;
  instance_id: string;
  instance_name: string | null;
  database_name: string;
  is_active: boolean;
  first_seen_date: string;
  last_seen_date: string;
  deleted_at: Date | null;
  size_mb: string | null;
  data_size_mb: string | null;
  log_size_mb: string | null;
  collected_date: string | null;
  collected_at: Date | null;
}

export interface DatabaseLedgerFilters {
  instanceId?: string | undefined;
  /** Part of the database name, any case. */
  search?: string | undefined;
  /** true: active only; false: vanished only; undefined: both. */
  active?: boolean | undefined;
  /** Tag names, comma-separated: only the databases of instances holding every one. */
  tag?: string | undefined;
}

/** The databases of the inventory, each with its latest daily size (null before any stats), by instance then name. */
export async function listDatabaseLedgers(knex: Knex, filters: DatabaseLedgerFilters, paging: Paging) {
  const q = knex({ d: 'instance_databases' });
  if (filters.instanceId) q.where('d.instance_id', filters.instanceId);
  if (filters.active !== undefined) q.where('d.is_active', filters.active);
  if (filters.search)
    q.whereRaw("lower(d.database_name) LIKE '%' || lower(?) || '%' ESCAPE '\\'", [
      escapeLike(filters.search),
    ]);
  whereTagged(q, knex, { names: tagNames(filters.tag) }, 'd.instance_id');
  const { total, rows } = await paged<LedgerDbRow>(q, paging, {
    order: [
      { column: 'd.instance_id', order: 'asc' },
      { column: 'd.database_name', order: 'asc' },
    ],
    columns: [
      'd.id',
      'd.instance_id',
      'i.name as instance_name',
      'd.database_name',
      'd.is_active',
      knex.raw('d.first_seen_date::text AS first_seen_date'),
      knex.raw('d.last_seen_date::text AS last_seen_date'),
      'd.deleted_at',
      'latest.size_mb',
      'latest.data_size_mb',
      'latest.log_size_mb',
      knex.raw('latest.collected_date::text AS collected_date'),
      'latest.collected_at',
    ],
    join: (page) =>
      page.leftJoin({ i: 'instances' }, 'i.id', 'd.instance_id').joinRaw(
        `LEFT JOIN LATERAL (
             SELECT s.size_mb, s.data_size_mb, s.log_size_mb, s.collected_date, s.collected_at
             FROM database_size_stats s
             WHERE s.instance_id = d.instance_id AND s.database_name = d.database_name
             ORDER BY s.collected_date DESC
             LIMIT 1
           ) latest ON true`,
      ),
  });
  return {
    total,
    items: rows.map((r) => ({
      id: r.id,
      instance_id: r.instance_id,
      instance_name: r.instance_name,
      database_name: r.database_name,
      is_active: r.is_active,
      first_seen_date: r.first_seen_date,
      last_seen_date: r.last_seen_date,
      deleted_at: iso(r.deleted_at),
      latest_size:
        r.collected_date === null
          ? null
          : {
              size_mb: Number(r.size_mb),
              data_size_mb: num(r.data_size_mb),
              log_size_mb: num(r.log_size_mb),
              collected_date: r.collected_date,
              collected_at: iso(r.collected_at),
            },
    })),
  };
}

interface TableSizeDbRow {
  schema_name: string;
  table_name: string;
  size_mb: string;
  data_size_mb: string | null;
  index_size_mb: string | null;
  row_count: string | null;
  collected_at: Date;
}

/** The latest table-size snapshot of one database, largest tables first. */
export async function latestTableSizes(knex: Knex, instanceId: string, databaseName: string) {
  const rows = await knex('database_table_size_stats')
    .where({ instance_id: instanceId, database_name: databaseName })
    .orderBy([
      { column: 'size_mb', order: 'desc' },
      { column: 'schema_name', order: 'asc' },
      { column: 'table_name', order: 'asc' },
    ])
    .select<TableSizeDbRow[]>(
      'schema_name',
      'table_name',
      'size_mb',
      'data_size_mb',
      'index_size_mb',
      'row_count',
      'collected_at',
    );
  return rows.map((r) => ({
    schema_name: r.schema_name,
    table_name: r.table_name,
    size_mb: Number(r.size_mb),
    data_size_mb: num(r.data_size_mb),
    index_size_mb: num(r.index_size_mb),
    row_count: num(r.row_count),
    collected_at: r.collected_at.toISOString(),
  }));
}

export interface DatabaseRow {
  id: string;
  instance_id: string;
  /** null when the instances table has no row for it (never registered here, e.g. events imported). */
  instance_name: string | null;
  database_name: string;
  is_active: boolean;
}

/** One database of the inventory by its id (see databaseId()), with its instance's name. */
export async function getDatabaseRow(knex: Knex, id: string): Promise<DatabaseRow | undefined> {
  return knex({ d: 'instance_databases' })
    .leftJoin({ i: 'instances' }, 'i.id', 'd.instance_id')
    .where('d.id', id)
    .first<DatabaseRow | undefined>(
      'd.id',
      'd.instance_id',
      'i.name AS instance_name',
      'd.database_name',
      'd.is_active',
    );
}

/** A database and its latest table-size snapshot (collected_at null before the first one). */
export async function databaseTableSizes(knex: Knex, id: string) {
  const db = await getDatabaseRow(knex, id);
  if (!db) return undefined;
  const tables = await latestTableSizes(knex, db.instance_id, db.database_name);
  return { database: { ...db, collected_at: tables[0]?.collected_at ?? null }, tables };
}

/** A stats row with the id of its database first (rows of allDatabaseSizes are loosely typed). */
export const withDatabaseId = <T extends Record<string, unknown>>(row: T) => ({
  database_id: databaseId(String(row.instance_id), String(row.database_name)),
  ...row,
});

export interface DatabaseSizeFilters {
  /** One instance's databases; every instance's when omitted. */
  instanceId?: string | undefined;
  databaseName?: string | undefined;
  /** First day, inclusive ('YYYY-MM-DD'). */
  from?: string | undefined;
  /** Last day, inclusive ('YYYY-MM-DD'). */
  to?: string | undefined;
}

interface SizeDbRow {
  instance_id: string;
  database_name: string;
  size_mb: string;
  data_size_mb: string | null;
  log_size_mb: string | null;
  collected_date: string;
  collected_at: Date;
}

/** The daily sizes of an instance's databases (or one database), newest day first, then by name. */
export async function databaseSizes(knex: Knex, filters: DatabaseSizeFilters, paging: Paging) {
  const q = knex('database_size_stats');
  if (filters.instanceId) q.where('instance_id', filters.instanceId);
  if (filters.databaseName) q.where('database_name', filters.databaseName);
  if (filters.from) q.where('collected_date', '>=', filters.from);
  if (filters.to) q.where('collected_date', '<=', filters.to);
  const { total, rows } = await paged<SizeDbRow>(q, paging, {
    order: [
      { column: 'collected_date', order: 'desc' },
      ...(filters.instanceId ? [] : [{ column: 'instance_id', order: 'asc' as const }]),
      { column: 'database_name', order: 'asc' },
    ],
    columns: [
      'instance_id',
      'database_name',
      'size_mb',
      'data_size_mb',
      'log_size_mb',
      knex.raw('collected_date::text AS collected_date'),
      'collected_at',
    ],
  });
  return {
    total,
    items: rows.map((r) => ({
      instance_id: r.instance_id,
      database_name: r.database_name,
      size_mb: Number(r.size_mb),
      data_size_mb: num(r.data_size_mb),
      log_size_mb: num(r.log_size_mb),
      collected_date: r.collected_date,
      collected_at: r.collected_at.toISOString(),
    })),
  };
}
