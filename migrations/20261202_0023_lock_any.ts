// A function for the global cap per category of shared records (src/commands/sync/recordDispatch.ts):
// - whalefall_try_advisory_lock_any(keys): takes the session-level advisory lock of the FIRST key of
//   `keys` that is free (keys hashed as InstanceLocks hashes them) and returns its 1-based index, or NULL
//   when every one is held. One round trip whatever the number of slots, and exactly one lock at most: a
//   `SELECT ... WHERE pg_try_advisory_lock(..) LIMIT 1` is not guaranteed to stop at one (the PostgreSQL
//   manual warns of exactly that), a loop is.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION whalefall_try_advisory_lock_any(keys text[]) RETURNS integer
    LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      FOR i IN 1 .. coalesce(array_length(keys, 1), 0) LOOP
        IF pg_try_advisory_lock(hashtextextended(keys[i], 0)) THEN
          RETURN i;
        END IF;
      END LOOP;
      RETURN NULL;
    END
    $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS whalefall_try_advisory_lock_any(text[])');
}
