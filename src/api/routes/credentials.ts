// /credentials: create, list, get, update, delete. Responses never carry the password.
import { z } from 'zod';
import { dbTypes } from '../../domain/engines/model.js';
import { notFound } from '../../domain/errors.js';
import { getCredential, listCredentials } from '../../projections/credentials/queries.js';
import type { ApiDeps } from '../deps.js';
import { pageOf, pagingQuery } from '../envelope.js';
import { nameField, usernameField } from '../requestFields.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { commandContext } from '../commandContext.js';
import { idParams } from '../schemas/common.js';

export const credentialSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  db_type: z.enum(dbTypes),
  username: z.string(),
  description: z.string(),
  is_active: z.boolean(),
  password_set: z.literal(true),
  password_updated_at: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  deleted_at: z.string().nullable(),
});

const name = nameField(128);
const username = usernameField(128);
const secret = z.string().min(1).max(1024);

export function credentialRoutes(deps: ApiDeps): RouteDefinition[] {
  const { knex, projections, commands } = deps;
  const fresh = async (id: string, position: Parameters<typeof projections.waitForPosition>[0]) => {
    await projections.waitForPosition(position);
    const row = await getCredential(knex, id);
    if (!row) throw notFound('credential', id);
    return row;
  };

  return [
    defineRoute({
      method: 'get',
      path: '/credentials',
      tag: 'credentials',
      summary: 'List credentials (filters: db_type, search, deleted)',
      access: { permission: 'view' },
      query: pagingQuery
        .extend({
          db_type: z.enum(dbTypes).optional(),
          search: z.string().max(128).optional(),
          deleted: z.enum(['true', 'false']).optional(),
        })
        .strict(),
      response: credentialSchema,
      paged: true,
      handler: ({ query }) =>
        pageOf(
          query,
          listCredentials(
            knex,
            { dbType: query.db_type, search: query.search, deleted: query.deleted === 'true' },
            query,
          ),
        ),
    }),
    defineRoute({
      method: 'post',
      path: '/credentials',
      tag: 'credentials',
      summary: 'Create a credential (the password is stored encrypted and never returned)',
      access: { permission: 'create' },
      status: 201,
      body: z.strictObject({
        name,
        db_type: z.enum(dbTypes),
        username,
        password: secret,
        description: z.string().max(1000).default(''),
      }),
      response: credentialSchema,
      handler: async ({ body, req, user }) => {
        const { id, position } = await commands.createCredential(
          {
            name: body.name,
            dbType: body.db_type,
            username: body.username,
            password: body.password,
            description: body.description,
          },
          commandContext(req, user),
        );
        return { data: await fresh(id, position), message: 'credential created' };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/credentials/:id',
      tag: 'credentials',
      summary: 'Get a credential',
      access: { permission: 'view' },
      params: idParams,
      response: credentialSchema,
      handler: async ({ params }) => {
        const row = await getCredential(knex, params.id);
        if (!row) throw notFound('credential', params.id);
        return { data: row };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/credentials/:id',
      tag: 'credentials',
      summary: 'Change a credential (send password to replace it)',
      access: { permission: 'update' },
      params: idParams,
      body: z
        .strictObject({
          name: name.optional(),
          db_type: z.enum(dbTypes).optional(),
          username: username.optional(),
          password: secret.optional(),
          description: z.string().max(1000).optional(),
          is_active: z.boolean().optional(),
        })
        .refine((b) => Object.keys(b).length > 0, 'send at least one field'),
      response: credentialSchema,
      handler: async ({ params, body, req, user }) => {
        const { password, db_type, is_active, ...rest } = body;
        const changes = {
          ...rest,
          ...(db_type ? { dbType: db_type } : {}),
          ...(is_active !== undefined ? { isActive: is_active } : {}),
        };
        const { position } = await commands.updateCredential(
          { id: params.id, changes, password },
          commandContext(req, user),
        );
        return { data: await fresh(params.id, position), message: 'credential updated' };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/credentials/:id',
      tag: 'credentials',
      summary: 'Delete a credential (soft: kept for the audit trail, unusable)',
      access: { permission: 'delete' },
      params: idParams,
      response: credentialSchema,
      handler: async ({ params, req, user }) => {
        const { position } = await commands.deleteCredential(params.id, commandContext(req, user));
        return { data: await fresh(params.id, position), message: 'credential deleted' };
      },
    }),
  ];
}
