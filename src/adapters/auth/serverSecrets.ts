// Server-side secrets kept in the database, so every process of a deployment shares them.
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';

export async function serverSecret(knex: Knex, name: string): Promise<Buffer> {
  await knex('auth_secrets')
    .insert({ name, value: randomBytes(32).toString('base64') })
    .onConflict('name')
    .ignore();
  const row = await knex<{ name: string; value: string }>('auth_secrets').where({ name }).first('value');
  if (!row) throw new Error(`server secret ${name} could not be created`);
  return Buffer.from(row.value, 'base64');
}
