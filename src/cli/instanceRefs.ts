// `--instance` takes names or ids. A name is looked up as the API reserves it (case-insensitive); an
// unknown one is refused with the names it may have meant, never with the SQL of a failed lookup.
import type { Knex } from 'knex';
import { escapeLike } from '../projections/credentials/queries.js';
import type { InstanceRow } from '../projections/instances/queries.js';
import { CliError } from './cliError.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface InstanceRef {
  id: string;
  name: string;
}

async function resolveOne(knex: Knex, ref: string): Promise<InstanceRef> {
  const wanted = ref.trim();
  const row = await knex<InstanceRow>('instances')
    .where((q) => {
      void q.whereRaw('lower(name) = lower(?)', [wanted]);
      if (UUID.test(wanted)) void q.orWhere('id', wanted.toLowerCase());
    })
    .orderByRaw('deleted_at IS NOT NULL') // a live instance before a deleted one
    .first('id', 'name', 'deleted_at');
  if (row?.deleted_at)
    throw new CliError(`instance '${row.name}' (${row.id}) is deleted: restore it before syncing it`);
  if (row) return { id: row.id, name: row.name };
  const like = await knex<InstanceRow>('instances')
    .whereNull('deleted_at')
    .whereRaw("lower(name) LIKE '%' || lower(?) || '%' ESCAPE '\\'", [escapeLike(wanted)])
    .orderBy('name')
    .limit(5)
    .pluck('name');
  throw new CliError(
    `unknown instance '${wanted}': no instance has that name or id${like.length ? ` (did you mean ${like.map((n) => `'${n}'`).join(', ')}?)` : ''}`,
  );
}

/** Each reference as an instance, in the order given, without repeats. */
export async function resolveInstances(knex: Knex, refs: readonly string[]): Promise<InstanceRef[]> {
  const found = new Map<string, InstanceRef>();
  for (const ref of refs) {
    const instance = await resolveOne(knex, ref);
    found.set(instance.id, instance);
  }
  return [...found.values()];
}
