// Twins of read tables for rebuilds: an empty copy with the same columns, defaults, identity,
// constraints, indexes and (for partitioned tables) the same partitions; then an atomic swap that
// gives the twin the live table's name and the names of its constraints, indexes and partitions.
import type { Knex } from 'knex';

const TWIN_SUFFIX = '__rebuild';
const OLD_SUFFIX = '__old';

export const twinName = (table: string): string => {
  const name = `${table}${TWIN_SUFFIX}`;
  if (name.length > 63)
    throw new Error(`table name ${table} is too long to rebuild (63-byte identifier limit)`);
  return name;
};

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

interface Partition {
  name: string;
  bound: string;
}

async function partitionsOf(trx: Knex | Knex.Transaction, table: string): Promise<Partition[]> {
  const { rows } = await trx.raw<{ rows: Partition[] }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = ?::regclass ORDER BY c.relname`,
    [table],
  );
  return rows;
}

async function partitionKey(trx: Knex | Knex.Transaction, table: string): Promise<string | undefined> {
  const { rows } = await trx.raw<{ rows: { key: string | null }[] }>(
    `SELECT pg_get_partkeydef(?::regclass) AS key`,
    [table],
  );
  return rows[0]?.key ?? undefined;
}

/** Drops a leftover twin and creates a fresh, empty one. */
export async function createTwin(knex: Knex, table: string): Promise<string> {
  const twin = twinName(table);
  await knex.raw(`DROP TABLE IF EXISTS ${q(twin)} CASCADE`);
  const key = await partitionKey(knex, table);
  if (!key) {
    await knex.raw(`CREATE TABLE ${q(twin)} (LIKE ${q(table)} INCLUDING ALL)`);
    return twin;
  }
  await knex.raw(`CREATE TABLE ${q(twin)} (LIKE ${q(table)} INCLUDING ALL) PARTITION BY ${key}`);
  for (const p of await partitionsOf(knex, table)) {
    await knex.raw(`CREATE TABLE ${q(twinName(p.name))} PARTITION OF ${q(twin)} ${p.bound}`);
  }
  return twin;
}

export async function dropTwin(knex: Knex, table: string): Promise<void> {
  await knex.raw(`DROP TABLE IF EXISTS ${q(twinName(table))} CASCADE`);
}

interface Named {
  name: string;
  def: string;
}

async function constraintsOf(trx: Knex.Transaction, table: string): Promise<Named[]> {
  const { rows } = await trx.raw<{ rows: Named[] }>(
    `SELECT conname AS name, contype::text || ' ' || pg_get_constraintdef(oid) AS def
     FROM pg_constraint WHERE conrelid = ?::regclass AND contype IN ('p', 'u', 'x', 'c')`,
    [table],
  );
  return rows;
}

/** Index definitions with their own name and table taken out, so a twin's match its original's. */
async function indexesOf(trx: Knex.Transaction, table: string): Promise<Named[]> {
  const { rows } = await trx.raw<{ rows: Named[] }>(
    `SELECT c.relname AS name, regexp_replace(pg_get_indexdef(i.indexrelid), ?, ?) AS def
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     WHERE i.indrelid = ?::regclass
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)`,
    ['^CREATE (UNIQUE )?INDEX \\S+ ON (ONLY )?\\S+ ', 'CREATE \\1INDEX ON ', table],
  );
  return rows;
}

async function renameMatching(
  trx: Knex.Transaction,
  originals: Named[],
  twins: Named[],
  rename: (from: string, to: string) => string,
): Promise<void> {
  const free = [...twins];
  for (const original of originals) {
    const i = free.findIndex((t) => t.def === original.def);
    if (i < 0) continue;
    const [twin] = free.splice(i, 1);
    if (twin && twin.name !== original.name) await trx.raw(rename(twin.name, original.name));
  }
}

/**
 * Inside the caller's transaction: the twin takes the live table's place and names; the old table goes.
 * ALTER TABLE waits for readers of the live table to finish and holds new ones until commit.
 */
export async function swapTwin(trx: Knex.Transaction, table: string): Promise<void> {
  const twin = twinName(table);
  const old = `${table}${OLD_SUFFIX}`;
  // One connection: queries in sequence.
  const constraints = await constraintsOf(trx, table);
  const indexes = await indexesOf(trx, table);
  const partitions = await partitionsOf(trx, table);
  const partitionNames = new Map<string, { constraints: Named[]; indexes: Named[] }>();
  for (const p of partitions)
    partitionNames.set(p.name, {
      constraints: await constraintsOf(trx, p.name),
      indexes: await indexesOf(trx, p.name),
    });
  await trx.raw(`ALTER TABLE ${q(table)} RENAME TO ${q(old)}`);
  await trx.raw(`ALTER TABLE ${q(twin)} RENAME TO ${q(table)}`);
  await trx.raw(`DROP TABLE ${q(old)} CASCADE`);
  await takeNames(trx, table, { constraints, indexes });
  for (const p of partitions) {
    const { rowCount } = await trx.raw<{ rowCount: number }>(
      `SELECT 1 FROM pg_class WHERE relname = ? AND relnamespace = current_schema()::regnamespace`,
      [twinName(p.name)],
    );
    if (!rowCount) continue;
    await trx.raw(`ALTER TABLE ${q(twinName(p.name))} RENAME TO ${q(p.name)}`);
    // A partition's own constraints and indexes too: else they keep the twin's names (..__rebuild_pkey)
    // after the swap, and every rebuild leaves a different set of names behind.
    await takeNames(trx, p.name, partitionNames.get(p.name)!);
  }
}

/** Gives `table`'s constraints and indexes the names their matching originals had. */
async function takeNames(
  trx: Knex.Transaction,
  table: string,
  originals: { constraints: Named[]; indexes: Named[] },
): Promise<void> {
  await renameMatching(
    trx,
    originals.constraints,
    await constraintsOf(trx, table),
    (from, to) => `ALTER TABLE ${q(table)} RENAME CONSTRAINT ${q(from)} TO ${q(to)}`,
  );
  await renameMatching(
    trx,
    originals.indexes,
    await indexesOf(trx, table),
    (from, to) => `ALTER INDEX ${q(from)} RENAME TO ${q(to)}`,
  );
}
