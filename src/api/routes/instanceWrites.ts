// /instances, the writes: register, batch create/delete (one result per item: one bad item never sinks
// the others), update, soft-delete, restore. Each answers with the instance as the read tables show it.
import { z } from 'zod';
import type { InstanceFields } from '../../commands/instances.js';
import type { CommandContext } from '../../commands/commandContext.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { Position } from '../../domain/events/envelope.js';
import { getInstanceRow, instanceToApi } from '../../projections/instances/queries.js';
import { batchAnswer } from '../batch.js';
import type { ApiDeps } from '../deps.js';
import { nameField } from '../requestFields.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { commandContext } from '../commandContext.js';
import { idParams } from '../schemas/common.js';
import { instanceBody, instanceSchema, itemResult, type InstanceBody } from '../schemas/instances.js';

const toFields = (b: InstanceBody): InstanceFields => ({
  name: b.name,
  dbType: b.db_type,
  host: b.host,
  port: b.port,
  databaseName: b.database_name,
  credentialId: b.credential_id,
  description: b.description,
});

const outcome = (index: number, id: string | null, err?: unknown) => {
  if (!err) return { index, ok: true, id, message_code: null, message: null };
  if (err instanceof AppError) return { index, ok: false, id, message_code: err.code, message: err.message };
  throw err instanceof Error ? err : new Error('a non-Error was thrown'); // unexpected: the error handler answers INTERNAL_ERROR
};

export function instanceWriteRoutes({ knex, projections, commands }: ApiDeps): RouteDefinition[] {
  const registerOne = (b: InstanceBody, ctx: CommandContext) =>
    commands.registerInstance(toFields(b), ctx, { allowDuplicate: b.allow_duplicate });
  const fresh = async (id: string, position: Position) => {
    await projections.waitForPosition(position);
    const row = await getInstanceRow(knex, id);
    if (!row) throw notFound('instance', id);
    return instanceToApi(row);
  };

  return [
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
        return batchAnswer(projections, last, results, 'created');
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
            last = (await commands.deleteInstance(id, ctx)).position;
            results.push(outcome(index, id));
          } catch (err) {
            results.push(outcome(index, id, err));
          }
        }
        return batchAnswer(projections, last, results, 'deleted');
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
        const { position } = await commands.updateInstance(params.id, changes, commandContext(req, user), {
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
        const { position } = await commands.deleteInstance(params.id, commandContext(req, user));
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
        const { position } = await commands.restoreInstance(params.id, commandContext(req, user));
        return { data: await fresh(params.id, position), message: 'instance restored' };
      },
    }),
  ];
}
