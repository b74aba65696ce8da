// The tags queries over test/support/tagsScenario.ts: the list with its usage counts (instances in the
// recycle bin apart), a tag, the options, the categories, each instance's tags and their union.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectionSpec } from '../../../test/support/projectionSpec.js';
import { tagsScenario } from '../../../test/support/tagsScenario.js';
import { tagsProjection } from './projection.js';
import {
  listTags,
  tagById,
  tagCategories,
  tagOptions,
  tagsOfInstances,
  unionTagsOfInstances,
} from './queries.js';

describe('tags queries', () => {
  const spec = projectionSpec(tagsProjection);
  const scenario = tagsScenario(spec);
  beforeAll(() => scenario.run());
  const { tags, instances: i } = scenario;
  const page = { page: 1, limit: 10 };

  it('listTags: tags not deleted, by name, with usage; filters and paging', async () => {
    const list = await listTags(spec.db.knex, {}, page);
    expect(list.total).toBe(3);
    expect(list.items.map((t) => [t.name, t.is_active, t.instance_count, t.deleted_instance_count])).toEqual([
      ['pci', true, 1, 0],
      ['prod', true, 2, 1], // maria and pg; gone is in the recycle bin
      ['staging', false, 1, 0],
    ]);
    expect(list.items[1]).toMatchObject({
      id: tags.prod,
      display_name: 'Prod tier',
      category: 'env',
      color: 'green',
      deleted_at: null,
    });
    const names = async (f: Parameters<typeof listTags>[1], paging = page) =>
      (await listTags(spec.db.knex, f, paging)).items.map((t) => t.name);
    expect(await names({ search: 'PRO' })).toEqual(['prod']);
    expect(await names({ search: 'tier' })).toEqual(['pci', 'prod', 'staging']); // display names
    expect(await names({ search: 'old' })).toEqual([]); // deleted
    expect(await names({ category: 'env' })).toEqual(['prod', 'staging']);
    expect(await names({ isActive: false })).toEqual(['staging']);
    expect(await listTags(spec.db.knex, {}, { page: 2, limit: 2 })).toMatchObject({
      total: 3,
      items: [{ name: 'staging' }],
    });
  });

  it('tagById: with usage; a deleted tag only when asked; unknown is undefined', async () => {
    expect(await tagById(spec.db.knex, tags.pci)).toMatchObject({ name: 'pci', instance_count: 1 });
    expect(await tagById(spec.db.knex, tags.old)).toBeUndefined();
    expect(await tagById(spec.db.knex, tags.old, { includeDeleted: true })).toMatchObject({
      name: 'old',
      deleted_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      instance_count: 0,
    });
    expect(await tagById(spec.db.knex, randomUUID())).toBeUndefined();
  });

  it('tagOptions: active tags only, by category then name; tagCategories: counts, no empty category', async () => {
    expect(await tagOptions(spec.db.knex)).toEqual([
      { id: tags.pci, name: 'pci', display_name: 'Pci tier', color: 'orange', category: 'compliance' },
      { id: tags.prod, name: 'prod', display_name: 'Prod tier', color: 'green', category: 'env' },
    ]);
    expect(await tagCategories(spec.db.knex)).toEqual([
      { category: 'compliance', count: 1, active_count: 1 },
      { category: 'env', count: 2, active_count: 1 },
    ]);
  });

  it('tagsOfInstances and unionTagsOfInstances', async () => {
    const held = await tagsOfInstances(spec.db.knex, [i.maria, i.bare, i.gone, randomUUID()]);
    expect([...held.keys()].sort()).toEqual([i.maria, i.bare, i.gone].sort());
    expect(held.get(i.maria)).toEqual([
      {
        id: tags.pci,
        name: 'pci',
        display_name: 'Pci tier',
        category: 'compliance',
        color: 'orange',
        is_active: true,
      },
      expect.objectContaining({ id: tags.prod, name: 'prod' }),
    ]);
    expect(held.get(i.bare)).toEqual([expect.objectContaining({ name: 'staging', is_active: false })]);
    const union = await unionTagsOfInstances(spec.db.knex, [i.maria, i.pg, i.bare]);
    expect(union.map((t) => [t.name, t.instance_count])).toEqual([
      ['pci', 1],
      ['prod', 2],
      ['staging', 1],
    ]);
    expect(await unionTagsOfInstances(spec.db.knex, [])).toEqual([]);
  });
});
