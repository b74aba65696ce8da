// Reads of the instances table for the API.
import type { Knex } from 'knex';
import type { Paging } from '../../domain/paging.js';
import { paged, type PageTotals } from '../paging.js';
import { escapeLike } from '../credentials/queries.js';
import { tagNames, tagsOfInstances, whereTagged, type InstanceTag } from '../tags/queries.js';

export interface InstanceRow {
  id: string;
  name: string;
  db_type: string;
  host: string;
  port: number;
  database_name: string | null;
  credential_id: string | null;
  description: string;
  is_active: boolean;
  main_version: string | null;
  connection_status: string;
  last_connected: Date | null;
  last_checked_at: Date | null;
  last_error_code: string | null;
  last_error: string | null;
  last_latency_ms: number | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const instanceToApi = (r: InstanceRow) => ({
  id: r.id,
  name: r.name,
  db_type: r.db_type as 'mysql',
  host: r.host,
  port: r.port,
  database_name: r.database_name,
  credential_id: r.credential_id,
  description: r.description,
  is_active: r.is_active,
  main_version: r.main_version,
  connection_status: r.connection_status,
  last_connected: iso(r.last_connected),
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
  deleted_at: iso(r.deleted_at),
});

export const connectionStatusToApi = (r: InstanceRow) => ({
  instance_id: r.id,
  status: r.connection_status,
  main_version: r.main_version,
  last_connected: iso(r.last_connected),
  last_checked_at: iso(r.last_checked_at),
  latency_ms: r.last_latency_ms,
  error_code: r.last_error_code,
  error: r.last_error,
});

export interface InstanceFilters {
  dbType?: string | undefined;
  search?: string | undefined;
  active?: boolean | undefined;
  deleted?: boolean | undefined;
  /** Tag names, comma-separated, case-insensitive: instances holding every one of them. */
  tag?: string | undefined;
}

function filtered(knex: Knex, f: InstanceFilters) {
  const q = knex<InstanceRow>('instances');
  if (f.deleted) q.whereNotNull('deleted_at');
  else q.whereNull('deleted_at');
  if (f.dbType) q.where('db_type', f.dbType);
  if (f.active !== undefined) q.where('is_active', f.active);
  if (f.search) {
    const like = `%${escapeLike(f.search.toLowerCase())}%`;
    q.where((w) => {
      void w
        .whereRaw("lower(name) LIKE ? ESCAPE '\\'", [like])
        .orWhereRaw("lower(host) LIKE ? ESCAPE '\\'", [like]);
    });
  }
  whereTagged(q, knex, { names: tagNames(f.tag) }, 'id');
  return q;
}

/** The instances as the API shows them, each with the tags it holds (by name). */
export async function withTags(
  knex: Knex,
  rows: readonly InstanceRow[],
): Promise<(ReturnType<typeof instanceToApi> & { tags: InstanceTag[] })[]> {
  const held = await tagsOfInstances(
    knex,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({ ...instanceToApi(r), tags: held.get(r.id) ?? [] }));
}

/** Each instance with `last_synced_at`: when its latest account sync record completed (null before one). */
export async function withLastSync<T extends { id: string }>(
  knex: Knex,
  items: readonly T[],
): Promise<(T & { last_synced_at: string | null })[]> {
  const rows: { instance_id: string; at: Date }[] = items.length
    ? await knex('sync_instance_records')
        .whereIn(
          'instance_id',
          items.map((i) => i.id),
        )
        .where({ sync_category: 'account', status: 'completed' })
        .whereNotNull('completed_at')
        .groupBy('instance_id')
        .select('instance_id', knex.raw('max(completed_at) AS at'))
    : [];
  const last = new Map(rows.map((r) => [r.instance_id, r.at.toISOString()]));
  return items.map((i) => ({ ...i, last_synced_at: last.get(i.id) ?? null }));
}

export async function listInstances(knex: Knex, f: InstanceFilters, paging: Paging, totals?: PageTotals) {
  const q = filtered(knex, f);
  const { total, rows } = await paged<InstanceRow>(q, paging, { order: 'name', totals });
  return { total, items: await withLastSync(knex, await withTags(knex, rows)) };
}

export const allInstances = async (knex: Knex, f: InstanceFilters): Promise<InstanceRow[]> =>
  filtered(knex, f).orderBy('name').select('*');

export const getInstanceRow = (knex: Knex, id: string) =>
  knex<InstanceRow>('instances').where({ id }).first();

/**
 * Counts of the instances not deleted, by state, db_type and connection status; `servers` counts the
 * servers they monitor (one per engine, host and port), so two instances of one server count once there.
 */
export async function instanceStatistics(knex: Knex) {
  const rows: {
    db_type: string;
    is_active: boolean;
    connection_status: string;
    deleted: boolean;
    n: string;
  }[] = await knex('instances')
    .select('db_type', 'is_active', 'connection_status', knex.raw('deleted_at IS NOT NULL AS deleted'))
    .count({ n: '*' })
    .groupBy('db_type', 'is_active', 'connection_status', knex.raw('deleted_at IS NOT NULL'));
  const servers = await knex('instances')
    .whereNull('deleted_at')
    .groupBy('db_type')
    .select<{ db_type: string; n: string }[]>(
      'db_type',
      knex.raw('count(DISTINCT (lower(btrim(host)), port)) AS n'),
    );
  const stats = {
    total: 0,
    active: 0,
    inactive: 0,
    deleted: 0,
    servers: 0,
    by_db_type: {} as Record<string, number>,
    servers_by_db_type: {} as Record<string, number>,
    by_connection_status: {} as Record<string, number>,
  };
  for (const r of servers) {
    stats.servers += Number(r.n);
    stats.servers_by_db_type[r.db_type] = Number(r.n);
  }
  for (const r of rows) {
    const n = Number(r.n);
    if (r.deleted) {
      stats.deleted += n;
      continue;
    }
    stats.total += n;
    if (r.is_active) stats.active += n;
    else stats.inactive += n;
    stats.by_db_type[r.db_type] = (stats.by_db_type[r.db_type] ?? 0) + n;
    stats.by_connection_status[r.connection_status] =
      (stats.by_connection_status[r.connection_status] ?? 0) + n;
  }
  return stats;
}
