// /users: list, create, get, update, delete (never the last admin), stats. Administrators only.
import { z } from 'zod';
import { checkPasswordRules } from '../../commands/auth.js';
import { notFound } from '../../domain/errors.js';
import { roles } from '../../domain/users/roles.js';
import type { ApiDeps } from '../deps.js';
import { pageMeta, pagingQuery } from '../envelope.js';
import { nameField } from '../requestFields.js';
import { commandContext } from '../commandContext.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { booleanQuery, idParams, userSchema } from '../schemas/common.js';

const admin = { permission: 'admin' } as const;
const username = nameField(64)
  .min(3)
  .regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits and . _ @ - only');

export function userRoutes({ commands, queries }: ApiDeps): RouteDefinition[] {
  const users = queries.users;

  return [
    defineRoute({
      method: 'get',
      path: '/users',
      tag: 'users',
      summary: 'List users',
      access: admin,
      query: pagingQuery
        .extend({
          role: z.enum(roles).optional(),
          active: booleanQuery.optional(),
          search: z.string().max(64).optional(),
        })
        .strict(),
      response: userSchema,
      paged: true,
      handler: async ({ query }) => {
        const { rows, total } = await users.list(
          { role: query.role, active: query.active, search: query.search },
          query,
        );
        return { data: rows.map(users.toApi), meta: pageMeta(query, total) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/users/stats',
      tag: 'users',
      summary: 'Counts of users by role and state',
      access: admin,
      response: z.object({
        total: z.number(),
        active: z.number(),
        inactive: z.number(),
        by_role: z.object({ admin: z.number(), user: z.number(), viewer: z.number() }),
      }),
      handler: async () => ({ data: await users.stats() }),
    }),
    defineRoute({
      method: 'post',
      path: '/users',
      tag: 'users',
      summary: 'Create a user',
      access: admin,
      status: 201,
      body: z.strictObject({
        username,
        password: z.string().min(1).max(1024),
        role: z.enum(roles).default('viewer'),
        is_active: z.boolean().default(true),
      }),
      response: userSchema,
      handler: async ({ body, req, user }) => {
        checkPasswordRules(body.password, body.username);
        const created = await commands.createUser(
          { username: body.username, password: body.password, role: body.role, isActive: body.is_active },
          commandContext(req, user),
        );
        return { data: users.toApi(created), message: 'user created' };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/users/:id',
      tag: 'users',
      summary: 'Get a user',
      access: admin,
      params: idParams,
      response: userSchema,
      handler: async ({ params }) => {
        const row = await users.byId(params.id);
        if (!row) throw notFound('user', params.id);
        return { data: users.toApi(row) };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/users/:id',
      tag: 'users',
      summary: 'Change a user: role, active state, password (setting a password ends their sessions)',
      access: admin,
      params: idParams,
      body: z
        .strictObject({
          role: z.enum(roles).optional(),
          is_active: z.boolean().optional(),
          password: z.string().min(1).max(1024).optional(),
        })
        .refine((b) => Object.keys(b).length > 0, 'send at least one of role, is_active, password'),
      response: userSchema,
      handler: async ({ params, body, req, user }) => {
        if (body.password !== undefined) {
          const target = await users.byId(params.id);
          if (!target) throw notFound('user', params.id);
          checkPasswordRules(body.password, target.username);
        }
        const updated = await commands.updateUser(
          { id: params.id, role: body.role, isActive: body.is_active, password: body.password },
          commandContext(req, user),
        );
        return { data: users.toApi(updated), message: 'user updated' };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/users/:id',
      tag: 'users',
      summary: 'Delete a user (never the last active administrator)',
      access: admin,
      params: idParams,
      response: z.object({ deleted: z.boolean() }),
      handler: async ({ params, req, user }) => {
        await commands.deleteUser(params.id, commandContext(req, user));
        return { data: { deleted: true }, message: 'user deleted' };
      },
    }),
  ];
}
