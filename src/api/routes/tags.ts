// /tags (issue 13): list (with each tag's usage), create, get, change (fields, deactivate, reactivate),
// delete (TAG_IN_USE unless force), the picker's options, the categories, and batch delete with one
// receipt per tag; and /instances/:id/tags. Bulk tagging of instances is in tagsBulk.ts. tagRoutes mounts
// the fixed paths (/options, /categories, /actions/..., /bulk/...) before /tags/:id.
import { z } from 'zod';
import type { TagChanges } from '../../domain/tags/tagDecider.js';
import { notFound } from '../../domain/errors.js';
import type { Position } from '../../domain/events/envelope.js';
import { getInstanceRow } from '../../projections/instances/queries.js';
import {
  listTags,
  tagById,
  tagCategories,
  tagOptions,
  tagsOfInstances,
} from '../../projections/tags/queries.js';
import type { ApiDeps } from '../deps.js';
import { pageOf, pagingQuery } from '../envelope.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { commandContext } from '../commandContext.js';
import { booleanQuery, idParams } from '../schemas/common.js';
import {
  batchDeleteBody,
  instanceTagSchema,
  tagCategorySchema,
  tagCreateBody,
  tagDeletedSchema,
  tagDeleteReceiptSchema,
  tagListQuery,
  tagOptionSchema,
  tagSchema,
  tagUpdateBody,
} from '../schemas/tags.js';
import { tagBulkRoutes } from './tagsBulk.js';

const tag = 'tags';

const changesOf = (b: z.output<typeof tagUpdateBody>): TagChanges => ({
  ...(b.name !== undefined ? { name: b.name } : {}),
  ...(b.display_name !== undefined ? { displayName: b.display_name } : {}),
  ...(b.category !== undefined ? { category: b.category } : {}),
  ...(b.color !== undefined ? { color: b.color } : {}),
  ...(b.description !== undefined ? { description: b.description } : {}),
});

/** Every tag route, the fixed paths first (a uuid :id never matches them, but Express tries in order). */
export function tagRoutes(deps: ApiDeps): RouteDefinition[] {
  return [...tagBulkRoutes(deps), ...tagReadRoutes(deps), ...tagCrudRoutes(deps)];
}

function tagReadRoutes({ knex }: ApiDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/tags/options',
      tag,
      summary: 'The active tags, for pickers, by category then name',
      access: { permission: 'view' },
      response: z.array(tagOptionSchema),
      handler: async () => ({ data: await tagOptions(knex) }),
    }),
    defineRoute({
      method: 'get',
      path: '/tags/categories',
      tag,
      summary: 'The categories of the tags, with how many tags (and active tags) each has',
      access: { permission: 'view' },
      response: z.array(tagCategorySchema),
      handler: async () => ({ data: await tagCategories(knex) }),
    }),
    defineRoute({
      method: 'get',
      path: '/instances/:id/tags',
      tag,
      summary: 'The tags an instance holds (one in the recycle bin keeps its tags), by name',
      access: { permission: 'view' },
      params: idParams,
      response: z.array(instanceTagSchema),
      handler: async ({ params }) => {
        if (!(await getInstanceRow(knex, params.id))) throw notFound('instance', params.id);
        return { data: (await tagsOfInstances(knex, [params.id])).get(params.id) ?? [] };
      },
    }),
  ];
}

function tagCrudRoutes({ knex, projections, commands, queries }: ApiDeps): RouteDefinition[] {
  /** The tag as the read tables show it once they have the write's events. */
  const fresh = async (id: string, position: Position | null) => {
    if (position) await projections.waitForPosition(position);
    const row = await tagById(knex, id);
    if (!row) throw notFound('tag', id);
    return row;
  };

  return [
    defineRoute({
      method: 'get',
      path: '/tags',
      tag,
      summary:
        'Tags by name, each with how many instances hold it (filters: search in name and display name, category, is_active)',
      access: { permission: 'view' },
      query: pagingQuery.extend(tagListQuery.shape).extend({ is_active: booleanQuery.optional() }).strict(),
      response: tagSchema,
      paged: true,
      handler: ({ query }) =>
        pageOf(
          query,
          listTags(
            knex,
            { search: query.search, category: query.category, isActive: query.is_active },
            query,
          ),
        ),
    }),
    defineRoute({
      method: 'post',
      path: '/tags',
      tag,
      summary: 'Create a tag (NAME_EXISTS when another has the name, compared case-insensitively)',
      access: { permission: 'create' },
      status: 201,
      body: tagCreateBody,
      response: tagSchema,
      handler: async ({ body, req, user }) => {
        const { id, position } = await commands.createTag(
          {
            name: body.name,
            displayName: body.display_name ?? body.name,
            category: body.category,
            color: body.color,
            description: body.description,
          },
          commandContext(req, user),
        );
        return { data: await fresh(id, position), message: 'tag created' };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/tags/actions/batch-delete',
      tag,
      summary:
        'Delete several tags, each on its own: one receipt per tag (TAG_IN_USE for one still assigned, unless force)',
      access: { permission: 'delete' },
      body: batchDeleteBody,
      response: z.array(tagDeleteReceiptSchema),
      handler: async ({ body, req, user }) => {
        const outcomes = await commands.batchDeleteTags(
          { tagIds: body.tag_ids, force: body.force },
          commandContext(req, user),
        );
        // The outcomes carry no positions: the read tables are brought up to the log's head instead.
        await projections.waitForPosition(await queries.headPosition());
        const data = outcomes.map((o) =>
          o.status === 'deleted'
            ? {
                tag_id: o.tagId,
                name: o.name,
                status: o.status,
                untagged: o.untagged,
                message_code: null,
                message: null,
              }
            : {
                tag_id: o.tagId,
                name: o.name,
                status: o.status,
                untagged: 0,
                message_code: o.messageCode,
                message: o.message,
              },
        );
        const deleted = data.filter((d) => d.status === 'deleted').length;
        return { data, message: `${deleted} of ${data.length} tags deleted` };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/tags/:id',
      tag,
      summary: 'A tag (active or not), with how many instances hold it',
      access: { permission: 'view' },
      params: idParams,
      response: tagSchema,
      handler: async ({ params }) => ({ data: await fresh(params.id, null) }),
    }),
    defineRoute({
      method: 'put',
      path: '/tags/:id',
      tag,
      summary:
        'Change a tag: only the fields sent; is_active false deactivates it (it stays where assigned), true reactivates it',
      access: { permission: 'update' },
      params: idParams,
      body: tagUpdateBody,
      response: tagSchema,
      handler: async ({ params, body, req, user }) => {
        const { position } = await commands.updateTag(
          { tagId: params.id, changes: changesOf(body), isActive: body.is_active },
          commandContext(req, user),
        );
        return { data: await fresh(params.id, position), message: 'tag updated' };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/tags/:id',
      tag,
      summary:
        'Delete a tag (TAG_IN_USE while an instance holds it; force=true removes it from every instance first and says how many)',
      access: { permission: 'delete' },
      params: idParams,
      query: z.strictObject({ force: booleanQuery.default(false) }),
      response: tagDeletedSchema,
      handler: async ({ params, query, req, user }) => {
        const { position, untagged } = await commands.deleteTag(
          { tagId: params.id, force: query.force },
          commandContext(req, user),
        );
        await projections.waitForPosition(position);
        return {
          data: { id: params.id, untagged },
          message: untagged > 0 ? `tag deleted, removed from ${untagged} instances` : 'tag deleted',
        };
      },
    }),
  ];
}
