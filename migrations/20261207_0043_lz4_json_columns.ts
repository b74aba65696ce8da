// Every json and jsonb column of our tables compressed with lz4 instead of pglz, where the server has lz4
// (docs/decisions.md "lz4 for the store's json columns"). A value over about 2 KB is compressed when it is
// written (an account sync's PermissionsSynced event and ledger snapshot are some 100 KB each): pglz_compress
// was the store's largest single item of PostgreSQL CPU in the account-sync benchmark, and lz4 does the
// same work in a tenth of the time, decompressing faster too. Only values written from now on use lz4; the
// ones already stored stay pglz, and both read back alike.
//
// A server built without lz4 (the embedded PostgreSQL's binaries are) refuses SET COMPRESSION lz4 with
// feature_not_supported: the migration then changes nothing and says so in a NOTICE. ALTER TABLE ... SET
// COMPRESSION only changes the catalog (no rewrite), under a brief ACCESS EXCLUSIVE lock per table.
// Tables added later keep the server's default_toast_compression unless their migration says otherwise.
import type { Knex } from 'knex';

/** Our tables' json and jsonb columns (not partitions: a partitioned table passes it on to them). */
const jsonColumns = `
  SELECT a.attrelid::regclass AS rel, a.attname AS col
    FROM pg_attribute a
    JOIN pg_class t ON t.oid = a.attrelid
   WHERE t.relnamespace = current_schema()::regnamespace
     AND t.relkind IN ('r', 'p') AND NOT t.relispartition
     AND a.attnum > 0 AND NOT a.attisdropped
     AND a.atttypid IN ('json'::regtype, 'jsonb'::regtype)
   ORDER BY 1, 2`;

const setCompression = (method: 'lz4' | 'default') => `
  DO $$
  DECLARE target record;
  BEGIN
    FOR target IN ${jsonColumns} LOOP
      EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET COMPRESSION ${method}', target.rel, target.col);
    END LOOP;
  EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'whalefall: this PostgreSQL has no lz4 (%), json columns keep pglz', SQLERRM;
  END
  $$`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(setCompression('lz4'));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(setCompression('default'));
}
