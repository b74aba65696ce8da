// /instances: register, list, get, update, soft-delete, restore, batch create/delete (one result per
// item: one bad item never sinks the others), statistics, CSV export.
import { z } from 'zod';
import {
  makeDeleteInstance,
  makeRegisterInstance,
  makeRestoreInstance,
  makeUpdateInstance,
  type InstanceFields,
} from '../../commands/instances.js';
import type { CommandContext } from '../../commands/commandContext.js';
import { dbTypes } from '../../domain/engines/model.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { Position } from '../../domain/events/envelope.js';
import { getCredential } from '../../projections/credentials/queries.js';
import {
  allInstances,
  getInstanceRow,
  instanceStatistics,
  instanceToApi,
  listInstances,
} from '../../projections/instances/queries.js';
import type { ApiDeps } from '../deps.js';
import { pageMeta, pagingQuery } from '../envelope.js';
import { nameField } from '../requestFields.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { commandContext } from '../commandContext.js';
import { booleanQuery, idParams } from '../schemas/common.js';

export const instanceSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  db_type: z.enum(dbTypes),
  host: z.string(),
  port: z.number(),
  database_name: z.string().nullable(),
  credential_id: z.string().nullable(),
  description: z.string(),
  is_active: z.boolean(),
  main_version: z.string().nullable(),
  connection_status: z.string(),
  last_connected: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  deleted_at: z.string().nullable(),
});

const hostname = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9.:_\-[\]]+$/, 'expected a host name or IP address');
const instanceBody = z.strictObject({
  name: nameField(128),
  db_type: z.enum(dbTypes),
  host: hostname,
  port: z.number().int().min(1).max(65535),
  database_name: nameField(128).nullable().default(null),
  credential_id: z.uuid().nullable().default(null),
  description: z.string().max(1000).default(''),
  /** Another instance monitors the same engine, host and port, and a second one is intended. */
  allow_duplicate: z.boolean().default(false),
});
type InstanceBody = z.output<typeof instanceBody>;
const itemResult = z.object({
  index: z.number(),
  ok: z.boolean(),
  id: z.string().nullable(),
  message_code: z.string().nullable(),
  message: z.string().nullable(),
});

const csvCell = (v: string | number | boolean | null | undefined) => {
  const text = v === null || v === undefined ? '' : String(v);
  // Quote always; neutralise formulas when opened in a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
};

export function instanceRoutes(deps: ApiDeps): RouteDefinition[] {
  const { knex, store, projections } = deps;
  const register = makeRegisterInstance({ knex, store });
  const update = makeUpdateInstance({ knex, store });
  const remove = makeDeleteInstance({ store });
  const restore = makeRestoreInstance({ store });

  const checkCredential = async (credentialId: string | null | undefined, dbType: string | undefined) => {
    if (!credentialId) return;
    const credential = await getCredential(knex, credentialId);
    if (!credential || credential.deleted_at)
      throw new AppError('VALIDATION_ERROR', `credential ${credentialId} does not exist`, {
        fields: [{ field: 'body.credential_id', message: 'no such credential' }],
      });
    if (dbType && credential.db_type !== dbType) {
      throw new AppError(
        'VALIDATION_ERROR',
        `credential ${credentialId} is for ${credential.db_type}, not ${dbType}`,
        {
          fields: [{ field: 'body.credential_id', message: `the credential is for ${credential.db_type}` }],
        },
      );
    }
  };
  const toFields = (b: InstanceBody): InstanceFields => ({
    name: b.name,
    dbType: b.db_type,
    host: b.host,
    port: b.port,
    databaseName: b.database_name,
    credentialId: b.credential_id,
    description: b.description,
  });
  const registerOne = async (b: InstanceBody, ctx: CommandContext) => {
    await checkCredential(b.credential_id, b.db_type);
    return register(toFields(b), ctx, { allowDuplicate: b.allow_duplicate });
  };
  const fresh = async (id: string, position: Position) => {
    await projections.waitForPosition(position);
    const row = await getInstanceRow(knex, id);
    if (!row) throw notFound('instance', id);
    return instanceToApi(row);
  };
  const outcome = (index: number, id: string | null, err?: unknown) => {
    if (!err) return { index, ok: true, id, message_code: null, message: null };
    if (err instanceof AppError)
      return { index, ok: false, id, message_code: err.code, message: err.message };
    throw err instanceof Error ? err : new Error('a non-Error was thrown'); // unexpected: the error handler answers INTERNAL_ERROR
  };

  return [
    defineRoute({
      method: 'get',
      path: '/instances',
      tag: 'instances',
      summary: 'List instances (filters: db_type, search in name and host, active, deleted)',
      access: { permission: 'view' },
      query: pagingQuery
        .extend({
          db_type: z.enum(dbTypes).optional(),
          search: z.string().max(128).optional(),
          active: booleanQuery.optional(),
          deleted: booleanQuery.optional(),
        })
        .strict(),
      response: instanceSchema,
      paged: true,
      handler: async ({ query }) => {
        const { items, total } = await listInstances(
          knex,
          { dbType: query.db_type, search: query.search, active: query.active, deleted: query.deleted },
          query,
        );
        return { data: items, meta: pageMeta(query, total) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/instances',
      tag: 'instances',
      summary: 'Register an instance',
      access: { permission: 'create' },
      status: 201,
      body: instanceBody,
      response: instanceSchema,
      handler: async ({ body, req, user }) => {
        const { id, position } = await registerOne(body, commandContext(req, user));
        return { data: await fresh(id, position), message: 'instance registered' };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/instances/statistics',
      tag: 'instances',
      summary:
        'Counts by db_type, state and connection status; servers counts each engine, host and port once',
      access: { permission: 'view' },
      response: z.object({
        total: z.number(),
        active: z.number(),
        inactive: z.number(),
        deleted: z.number(),
        servers: z.number(),
        by_db_type: z.record(z.string(), z.number()),
        servers_by_db_type: z.record(z.string(), z.number()),
        by_connection_status: z.record(z.string(), z.number()),
      }),
      handler: async () => ({ data: await instanceStatistics(knex) }),
    }),
    defineRoute({
      method: 'get',
      path: '/instances/actions/export',
      tag: 'instances',
      summary: 'CSV export of the instances (same filters as the list)',
      access: { permission: 'view' },
      query: z.strictObject({
        db_type: z.enum(dbTypes).optional(),
        search: z.string().max(128).optional(),
        active: booleanQuery.optional(),
        deleted: booleanQuery.optional(),
      }),
      response: z.string(),
      handler: async ({ query }) => {
        const rows = (
          await allInstances(knex, {
            dbType: query.db_type,
            search: query.search,
            active: query.active,
            deleted: query.deleted,
          })
        ).map(instanceToApi);
        const header = [
          'id',
          'name',
          'db_type',
          'host',
          'port',
          'database_name',
          'credential_id',
          'description',
          'is_active',
          'main_version',
          'connection_status',
          'last_connected',
          'created_at',
          'deleted_at',
        ] as const;
        const lines = [header.join(','), ...rows.map((r) => header.map((h) => csvCell(r[h])).join(','))];
        return {
          data: '',
          file: {
            contentType: 'text/csv; charset=utf-8',
            filename: 'instances.csv',
            body: lines.join('\r\n') + '\r\n',
          },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/instances/actions/batch-create',
      tag: 'instances',
      summary: 'Register several instances: one result per item, the good ones are kept',
      access: { permission: 'create' },
      body: z.strictObject({ instances: z.array(z.unknown()).min(1).max(500) }),
      response: z.object({ results: z.array(itemResult), created: z.number(), failed: z.number() }),
      handler: async ({ body, req, user }) => {
        const ctx = commandContext(req, user);
        const results = [];
        let last: Position | undefined;
        for (const [index, raw] of body.instances.entries()) {
          const parsed = instanceBody.safeParse(raw);
          if (!parsed.success) {
            results.push({
              index,
              ok: false,
              id: null,
              message_code: 'VALIDATION_ERROR',
              message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
            });
            continue;
          }
          try {
            const { id, position } = await registerOne(parsed.data, ctx);
            last = position;
            results.push(outcome(index, id));
          } catch (err) {
            results.push(outcome(index, null, err));
          }
        }
        if (last) await projections.waitForPosition(last);
        const created = results.filter((r) => r.ok).length;
        return { data: { results, created, failed: results.length - created } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/instances/actions/batch-delete',
      tag: 'instances',
      summary: 'Soft-delete several instances: one result per item',
      access: { permission: 'delete' },
      body: z.strictObject({ ids: z.array(z.uuid()).min(1).max(500) }),
      response: z.object({ results: z.array(itemResult), deleted: z.number(), failed: z.number() }),
      handler: async ({ body, req, user }) => {
        const ctx = commandContext(req, user);
        const results = [];
        let last: Position | undefined;
        for (const [index, id] of body.ids.entries()) {
          try {
            last = (await remove(id, ctx)).position;
            results.push(outcome(index, id));
          } catch (err) {
            results.push(outcome(index, id, err));
          }
        }
        if (last) await projections.waitForPosition(last);
        const deleted = results.filter((r) => r.ok).length;
        return { data: { results, deleted, failed: results.length - deleted } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/instances/:id',
      tag: 'instances',
      summary: 'Get an instance',
      access: { permission: 'view' },
      params: idParams,
      response: instanceSchema,
      handler: async ({ params }) => {
        const row = await getInstanceRow(knex, params.id);
        if (!row) throw notFound('instance', params.id);
        return { data: instanceToApi(row) };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/instances/:id',
      tag: 'instances',
      summary: 'Change an instance',
      access: { permission: 'update' },
      params: idParams,
      body: instanceBody
        .omit({ database_name: true, credential_id: true, description: true, allow_duplicate: true })
        .partial()
        .extend({
          database_name: nameField(128).nullable().optional(),
          credential_id: z.uuid().nullable().optional(),
          description: z.string().max(1000).optional(),
          is_active: z.boolean().optional(),
          allow_duplicate: z.boolean().optional(),
        })
        .strict()
        .refine(
          (b) => Object.keys(b).some((k) => k !== 'allow_duplicate'),
          'send at least one field to change',
        ),
      response: instanceSchema,
      handler: async ({ params, body, req, user }) => {
        const current = await getInstanceRow(knex, params.id);
        await checkCredential(body.credential_id, body.db_type ?? current?.db_type);
        const changes = {
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.db_type !== undefined ? { dbType: body.db_type } : {}),
          ...(body.host !== undefined ? { host: body.host } : {}),
          ...(body.port !== undefined ? { port: body.port } : {}),
          ...(body.database_name !== undefined ? { databaseName: body.database_name } : {}),
          ...(body.credential_id !== undefined ? { credentialId: body.credential_id } : {}),
          ...(body.description !== undefined ? { description: body.description } : {}),
          ...(body.is_active !== undefined ? { isActive: body.is_active } : {}),
        };
        const { position } = await update(params.id, changes, commandContext(req, user), {
          allowDuplicate: body.allow_duplicate,
        });
        return { data: await fresh(params.id, position), message: 'instance updated' };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/instances/:id',
      tag: 'instances',
      summary: 'Move an instance to the recycle bin (restore brings it back)',
      access: { permission: 'delete' },
      params: idParams,
      response: instanceSchema,
      handler: async ({ params, req, user }) => {
        const { position } = await remove(params.id, commandContext(req, user));
        return { data: await fresh(params.id, position), message: 'instance deleted' };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/instances/:id/actions/restore',
      tag: 'instances',
      summary: 'Restore a deleted instance',
      access: { permission: 'update' },
      params: idParams,
      response: instanceSchema,
      handler: async ({ params, req, user }) => {
        const { position } = await restore(params.id, commandContext(req, user));
        return { data: await fresh(params.id, position), message: 'instance restored' };
      },
    }),
  ];
}
