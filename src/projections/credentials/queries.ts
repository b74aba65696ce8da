// Reads of the credentials table for the API.
import type { Knex } from 'knex';
import type { Paging } from '../../domain/paging.js';
import { paged } from '../paging.js';

interface Row {
  id: string;
  name: string;
  db_type: string;
  username: string;
  description: string;
  is_active: boolean;
  password_updated_at: Date;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

const toApi = (r: Row) => ({
  id: r.id,
  name: r.name,
  db_type: r.db_type as 'mysql',
  username: r.username,
  description: r.description,
  is_active: r.is_active,
  password_set: true as const,
  password_updated_at: r.password_updated_at.toISOString(),
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
  deleted_at: r.deleted_at?.toISOString() ?? null,
});

export const escapeLike = (text: string): string => text.replace(/[\\%_]/g, '\\$&');

export async function listCredentials(
  knex: Knex,
  filters: { dbType?: string | undefined; search?: string | undefined; deleted: boolean },
  paging: Paging,
) {
  const q = knex<Row>('credentials');
  if (filters.deleted) q.whereNotNull('deleted_at');
  else q.whereNull('deleted_at');
  if (filters.dbType) q.where('db_type', filters.dbType);
  if (filters.search)
    q.whereRaw("lower(name) LIKE '%' || lower(?) || '%' ESCAPE '\\'", [escapeLike(filters.search)]);
  const { total, rows } = await paged<Row>(q, paging, { order: 'name' });
  return { total, items: rows.map(toApi) };
}

export async function getCredential(knex: Knex, id: string) {
  const row = await knex<Row>('credentials').where({ id }).first();
  return row ? toApi(row) : undefined;
}
