// Reads of tags and instance_tags for the API: the tag list with usage counts, a tag, the picker's options,
// the categories, each instance's tags, the union of a set of instances' tags (the bulk page), and the
// `tag` filter the instance, capacity and account reads apply (whereTagged). Deleted tags are never
// listed, held or matched; an instance in the recycle bin keeps its tags and is counted apart.
import type { Knex } from 'knex';
import type { Paging } from '../../domain/paging.js';
import { escapeLike } from '../credentials/queries.js';
import { paged } from '../paging.js';

interface TagDbRow {
  id: string;
  name: string;
  display_name: string;
  category: string;
  color: string;
  description: string;
  is_active: boolean;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

/** How many instances hold a tag: not deleted ones, and (apart) the ones in the recycle bin. */
export interface TagUsage {
  instance_count: number;
  deleted_instance_count: number;
}

const tagToApi = (r: TagDbRow, usage: TagUsage | undefined) => ({
  id: r.id,
  name: r.name,
  display_name: r.display_name,
  category: r.category,
  color: r.color,
  description: r.description,
  is_active: r.is_active,
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
  deleted_at: r.deleted_at?.toISOString() ?? null,
  instance_count: usage?.instance_count ?? 0,
  deleted_instance_count: usage?.deleted_instance_count ?? 0,
});
export type TagApi = ReturnType<typeof tagToApi>;

/** Ids per statement: far below the bind-parameter limit. */
const chunk = 5_000;
const chunked = <T>(values: readonly T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += chunk) out.push(values.slice(i, i + chunk));
  return out;
};

/**
 * The usage of each tag of `tagIds`. An instance the instances table does not have (its projection has not
 * caught up) counts as not deleted.
 */
export async function tagUsage(knex: Knex, tagIds: readonly string[]): Promise<Map<string, TagUsage>> {
  const out = new Map<string, TagUsage>();
  for (const ids of chunked([...new Set(tagIds)])) {
    const rows = await knex({ x: 'instance_tags' })
      .leftJoin({ i: 'instances' }, 'i.id', 'x.instance_id')
      .whereIn('x.tag_id', ids)
      .groupBy('x.tag_id')
      .select<({ tag_id: string } & TagUsage)[]>(
        'x.tag_id',
        knex.raw('(count(*) FILTER (WHERE i.deleted_at IS NULL))::int AS instance_count'),
        knex.raw('(count(*) FILTER (WHERE i.deleted_at IS NOT NULL))::int AS deleted_instance_count'),
      );
    for (const { tag_id, ...usage } of rows) out.set(tag_id, usage);
  }
  return out;
}

export interface TagFilters {
  /** Part of the name or display name, any case. */
  search?: string | undefined;
  category?: string | undefined;
  isActive?: boolean | undefined;
}

/** Tags not deleted, by name, with their usage, and the total that matches. */
export async function listTags(knex: Knex, filters: TagFilters, paging: Paging) {
  const q = knex<TagDbRow>('tags').whereNull('deleted_at');
  if (filters.category !== undefined) q.where('category', filters.category);
  if (filters.isActive !== undefined) q.where('is_active', filters.isActive);
  if (filters.search) {
    const like = `%${escapeLike(filters.search.toLowerCase())}%`;
    q.where((w) => {
      void w
        .whereRaw("lower(name) LIKE ? ESCAPE '\\'", [like])
        .orWhereRaw("lower(display_name) LIKE ? ESCAPE '\\'", [like]);
    });
  }
  const { total, rows } = await paged<TagDbRow>(q, paging, {
    order: [
      { column: 'name', order: 'asc' },
      { column: 'id', order: 'asc' },
    ],
  });
  const usage = await tagUsage(
    knex,
    rows.map((r) => r.id),
  );
  return { total, items: rows.map((r) => tagToApi(r, usage.get(r.id))) };
}

/** One tag with its usage; undefined when unknown, or deleted unless `includeDeleted`. */
export async function tagById(
  knex: Knex,
  id: string,
  options: { includeDeleted?: boolean } = {},
): Promise<TagApi | undefined> {
  const q = knex<TagDbRow>('tags').where({ id });
  if (!options.includeDeleted) q.whereNull('deleted_at');
  const row = await q.first<TagDbRow | undefined>();
  if (!row) return undefined;
  return tagToApi(row, (await tagUsage(knex, [id])).get(id));
}

/** The active tags, for pickers, by category then name. */
export const tagOptions = (knex: Knex) =>
  knex('tags')
    .whereNull('deleted_at')
    .where('is_active', true)
    .orderBy(['category', 'name', 'id'])
    .select<{ id: string; name: string; display_name: string; color: string; category: string }[]>(
      'id',
      'name',
      'display_name',
      'color',
      'category',
    );

/** The categories of the tags not deleted (a tag without one, '', is in none), with how many tags each has. */
export const tagCategories = (knex: Knex) =>
  knex('tags')
    .whereNull('deleted_at')
    .whereNot('category', '')
    .groupBy('category')
    .orderBy('category')
    .select<{ category: string; count: number; active_count: number }[]>(
      'category',
      knex.raw('count(*)::int AS count'),
      knex.raw('(count(*) FILTER (WHERE is_active))::int AS active_count'),
    );

/** A tag as an instance row names it. */
export interface InstanceTag {
  id: string;
  name: string;
  display_name: string;
  category: string;
  color: string;
  is_active: boolean;
}

const instanceTagColumns = ['t.id', 't.name', 't.display_name', 't.category', 't.color', 't.is_active'];

/** The tags each instance holds (deleted tags left out), by name; instances holding none are absent. */
export async function tagsOfInstances(
  knex: Knex,
  instanceIds: readonly string[],
): Promise<Map<string, InstanceTag[]>> {
  const out = new Map<string, InstanceTag[]>();
  for (const ids of chunked([...new Set(instanceIds)])) {
    const rows = await knex({ x: 'instance_tags' })
      .join({ t: 'tags' }, 't.id', 'x.tag_id')
      .whereNull('t.deleted_at')
      .whereIn('x.instance_id', ids)
      .orderBy(['x.instance_id', 't.name', 't.id'])
      .select<(InstanceTag & { instance_id: string })[]>('x.instance_id', ...instanceTagColumns);
    for (const { instance_id, ...tag } of rows) {
      const list = out.get(instance_id) ?? [];
      list.push(tag);
      out.set(instance_id, list);
    }
  }
  return out;
}

/** The tags any of the instances holds (deleted tags left out), by name, each with how many of them hold it. */
export async function unionTagsOfInstances(
  knex: Knex,
  instanceIds: readonly string[],
): Promise<(InstanceTag & { instance_count: number })[]> {
  const held = await tagsOfInstances(knex, instanceIds);
  const union = new Map<string, InstanceTag & { instance_count: number }>();
  for (const tags of held.values())
    for (const tag of tags) {
      const seen = union.get(tag.id);
      if (seen) seen.instance_count++;
      else union.set(tag.id, { ...tag, instance_count: 1 });
    }
  return [...union.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The tags a filter names: by name (any case) or by id. */
export type TagSelector = { names: readonly string[] } | { ids: readonly string[] };

/** The names of a `tag` query parameter: comma-separated, any case; empty when absent. */
export const tagNames = (param: string | undefined): string[] => [
  ...new Set(
    (param ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== ''),
  ),
];

/**
 * A sub-query of the ids of the instances holding every tag the selector names (all of them, not any: a
 * name no tag has matches no instance; deleted tags never match), for `whereIn(column, ...)`.
 */
export function taggedInstanceIds(knex: Knex, selector: TagSelector): Knex.QueryBuilder {
  const byName = 'names' in selector;
  const wanted = [...new Set(byName ? selector.names.map((n) => n.toLowerCase()) : selector.ids)];
  const q = knex({ x: 'instance_tags' })
    .join({ t: 'tags' }, 't.id', 'x.tag_id')
    .whereNull('t.deleted_at')
    .groupBy('x.instance_id')
    .havingRaw(`count(DISTINCT ${byName ? 'lower(t.name)' : 't.id'}) = ?`, [wanted.length])
    .select('x.instance_id');
  return byName ? q.whereRaw('lower(t.name) = ANY(?)', [wanted]) : q.whereIn('t.id', wanted);
}

/**
 * Narrows a query to the rows whose instance (`instanceIdColumn`) holds every tag the selector names;
 * nothing changes when it names none.
 */
export function whereTagged(
  q: Knex.QueryBuilder,
  knex: Knex,
  selector: TagSelector,
  instanceIdColumn: string,
): Knex.QueryBuilder {
  const wanted = 'names' in selector ? selector.names : selector.ids;
  if (wanted.length === 0) return q;
  return q.whereIn(instanceIdColumn, taggedInstanceIds(knex, selector));
}
