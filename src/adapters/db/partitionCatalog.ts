// What the PostgreSQL catalog says about a table range-partitioned by a date: the table itself, its
// partitions with their bounds, sizes and row estimates, and which one covers a month.
import type { Knex } from 'knex';
import { addMonths } from '../../domain/periods/months.js';

export type Db = Knex | Knex.Transaction;

/** A quoted identifier. */
export const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

export interface ParentTable {
  oid: string;
  schema: string;
  name: string;
  keyColumn: string;
}

/** The table (as found on the search path), checked to be range-partitioned on one date column. */
export async function parentTable(db: Db, table: string): Promise<ParentTable> {
  const { rows } = await db.raw<{
    rows: {
      oid: string;
      schema: string;
      strategy: string | null;
      natts: number | null;
      key: string | null;
      key_type: string | null;
    }[];
  }>(
    `SELECT c.oid::text AS oid, n.nspname AS schema, p.partstrat::text AS strategy, p.partnatts::int AS natts,
            a.attname AS key, format_type(a.atttypid, NULL) AS key_type
     FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_partitioned_table p ON p.partrelid = c.oid
     LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = p.partattrs[0]
     WHERE c.oid = to_regclass(?)`,
    [q(table)],
  );
  const row = rows[0];
  if (!row) throw new Error(`table ${table} does not exist`);
  if (row.strategy !== 'r' || row.natts !== 1 || !row.key || row.key_type !== 'date')
    throw new Error(`table ${table} is not partitioned by range on one date column`);
  return { oid: row.oid, schema: row.schema, name: table, keyColumn: row.key };
}

export interface CatalogPartition {
  name: string;
  schema: string;
  from: string | null;
  to: string | null;
  isDefault: boolean;
  reltuples: number;
  sizeBytes: number;
}

export async function catalogPartitions(db: Db, parent: ParentTable): Promise<CatalogPartition[]> {
  // Bound values are read back through a date cast in the same session, so whatever DateStyle the
  // session prints them in, they come out as YYYY-MM-DD. MINVALUE / MAXVALUE give null.
  const { rows } = await db.raw<{
    rows: {
      name: string;
      schema: string;
      from: string | null;
      to: string | null;
      is_default: boolean;
      reltuples: number;
      size_bytes: string;
    }[];
  }>(
    `WITH parts AS (
       SELECT c.oid, c.relname, n.nspname, c.reltuples, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE i.inhparent = ?::oid
     )
     SELECT relname AS name, nspname AS schema, bound = 'DEFAULT' AS is_default,
            to_char((regexp_match(bound, 'FROM \\(''([^'']+)''\\)'))[1]::date, 'YYYY-MM-DD') AS "from",
            to_char((regexp_match(bound, 'TO \\(''([^'']+)''\\)'))[1]::date, 'YYYY-MM-DD') AS "to",
            reltuples::float8 AS reltuples, pg_total_relation_size(oid)::text AS size_bytes
     FROM parts`,
    [parent.oid],
  );
  return rows.map((r) => ({
    name: r.name,
    schema: r.schema,
    from: r.from,
    to: r.to,
    isDefault: r.is_default,
    reltuples: Number(r.reltuples),
    sizeBytes: Number(r.size_bytes),
  }));
}

/** Whether some non-default partition covers the whole month [month, month + 1). */
export function covering(parts: CatalogPartition[], month: string): CatalogPartition | undefined {
  const next = addMonths(month, 1);
  return parts.find(
    (p) => !p.isDefault && (p.from === null || p.from <= month) && (p.to === null || p.to >= next),
  );
}

export async function exactCount(db: Db, schema: string, name: string): Promise<number> {
  const { rows } = await db.raw<{ rows: { n: string }[] }>(
    `SELECT count(*)::text AS n FROM ${q(schema)}.${q(name)}`,
  );
  return Number(rows[0]?.n ?? 0);
}
