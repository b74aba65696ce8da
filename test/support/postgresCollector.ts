// A collector role on a monitored PostgreSQL with the least privileges of docs/engines.md (LOGIN and
// pg_read_all_stats), and databases of a known volume for it to size. Names are the caller's, unique per run.
import pg from 'pg';
import { withDatabase } from './net.js';

/** Bytes of one loaded row's payload: repeat(md5(..), 6), hex digits that do not compress. */
export const ROW_PAYLOAD_BYTES = 192;
export const MB = 1_048_576;

export async function createPostgresCollector(
  admin: pg.Client,
  user: string,
  password: string,
): Promise<void> {
  const role = admin.escapeIdentifier(user);
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD ${admin.escapeLiteral(password)}`);
  await admin.query(`GRANT pg_read_all_stats TO ${role}`);
}

export async function dropPostgresCollector(admin: pg.Client, user: string): Promise<void> {
  await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(user)}`);
}

/** Runs fn connected as the admin URL's user to another database of the same server. */
export async function onDatabase<T>(adminUrl: string, database: string, fn: (c: pg.Client) => Promise<T>) {
  const c = new pg.Client({ connectionString: withDatabase(adminUrl, database) });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Creates a database with a table `items` (id, payload) holding `rows` rows of ROW_PAYLOAD_BYTES each. */
export async function createLoadedDatabase(adminUrl: string, name: string, rows: number): Promise<void> {
  await onDatabase(adminUrl, 'postgres', (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`));
  await onDatabase(adminUrl, name, async (c) => {
    await c.query('CREATE TABLE items (id int PRIMARY KEY, payload text NOT NULL)');
    await addRows(c, rows);
  });
}

/** Appends `rows` more rows to `items` (ids after the current maximum). */
export async function addRows(c: pg.Client, rows: number): Promise<void> {
  await c.query(
    `INSERT INTO items SELECT m + g, repeat(md5((m + g)::text), 6)
       FROM (SELECT coalesce(max(id), 0) AS m FROM items) s, generate_series(1, $1::int) g`,
    [rows],
  );
}

export async function dropDatabases(adminUrl: string, names: readonly string[]): Promise<void> {
  await onDatabase(adminUrl, 'postgres', async (c) => {
    for (const name of names)
      await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`);
  });
}

/** pg_database_size read directly, in MB. */
export async function databaseSizeMb(admin: pg.Client, name: string): Promise<number> {
  const { rows } = await admin.query<{ bytes: string }>('SELECT pg_database_size($1::name)::text AS bytes', [
    name,
  ]);
  return Number(rows[0]!.bytes) / MB;
}
