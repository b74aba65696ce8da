// A stable id for each database of the inventory (instance_databases), so the API can address one
// database as /databases/{id}. The id is derived from (instance_id, database_name) by databaseId() of
// src/domain/ids.ts, which the capacity projection also uses on insert: a rebuild gives the same ids.
// PostgreSQL has no sha1() without pgcrypto, so the existing rows are filled here in TypeScript.
import type { Knex } from 'knex';
import { databaseId } from '../src/domain/ids.js';

const BATCH = 5000;

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE instance_databases ADD COLUMN id uuid');
  const rows = await knex('instance_databases').select<{ instance_id: string; database_name: string }[]>(
    'instance_id',
    'database_name',
  );
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = rows.slice(i, i + BATCH);
    await knex.raw(
      `UPDATE instance_databases d SET id = v.id
       FROM unnest(?::uuid[], ?::text[], ?::uuid[]) AS v(instance_id, database_name, id)
       WHERE d.instance_id = v.instance_id AND d.database_name = v.database_name`,
      [
        batch.map((r) => r.instance_id),
        batch.map((r) => r.database_name),
        batch.map((r) => databaseId(r.instance_id, r.database_name)),
      ],
    );
  }
  await knex.raw(`
    ALTER TABLE instance_databases ALTER COLUMN id SET NOT NULL;
    ALTER TABLE instance_databases ADD CONSTRAINT instance_databases_id_key UNIQUE (id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE instance_databases DROP COLUMN IF EXISTS id');
}
