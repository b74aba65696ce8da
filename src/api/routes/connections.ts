// Connection checks: test one instance or ad-hoc parameters (never stored), validate parameters without
// connecting, test many instances with bounded concurrency, read an instance's last check.
import { z } from 'zod';
import { dbTypes } from '../../domain/engines/model.js';
import { comparePositions } from '../../domain/events/envelope.js';
import { notFound } from '../../domain/errors.js';
import { connectionStatusToApi, getInstanceRow } from '../../projections/instances/queries.js';
import type { ApiDeps } from '../deps.js';
import { hostField } from '../requestFields.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { batchAnswer } from '../batch.js';
import { commandContext } from '../commandContext.js';
import { idParams } from '../schemas/common.js';

const adHoc = z.strictObject({
  db_type: z.enum(dbTypes),
  host: hostField,
  port: z.number().int().min(1).max(65535),
  database_name: z.string().trim().min(1).max(128).optional(),
  username: z.string().min(1).max(128),
  password: z.string().max(1024),
});
const byInstance = z.strictObject({ instance_id: z.uuid() });

const outcomeSchema = z.object({
  ok: z.boolean(),
  version: z.string().nullable(),
  latency_ms: z.number().nullable(),
  error_code: z.string().nullable(),
  message: z.string().nullable(),
});

export function connectionRoutes(deps: ApiDeps): RouteDefinition[] {
  const { knex, commands, projections } = deps;
  const { defaultPorts } = deps.queries;

  return [
    defineRoute({
      method: 'post',
      path: '/instances/actions/test-connection',
      tag: 'connections',
      summary:
        'Test a connection: { instance_id } (the outcome is recorded) or ad-hoc parameters (never stored)',
      access: { permission: 'update' },
      body: z.union([byInstance, adHoc]),
      response: outcomeSchema.extend({ instance_id: z.string().nullable() }),
      handler: async ({ body, req, user }) => {
        if ('instance_id' in body) {
          const { position, ...outcome } = await commands.testInstanceConnection(
            body.instance_id,
            commandContext(req, user),
          );
          await projections.waitForPosition(position);
          return { data: outcome, message: outcome.ok ? 'connected' : 'connection failed' };
        }
        const outcome = await commands.probeConnection({
          dbType: body.db_type,
          host: body.host,
          port: body.port,
          databaseName: body.database_name,
          username: body.username,
          password: body.password,
        });
        return {
          data: { instance_id: null, ...outcome },
          message: outcome.ok ? 'connected' : 'connection failed',
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/instances/actions/validate-connection-params',
      idempotency: 'read',
      tag: 'connections',
      summary:
        'Check connection parameters without connecting: the problems, and the parameters with defaults filled in',
      access: { permission: 'view' },
      body: z.record(z.string(), z.unknown()),
      response: z.object({
        valid: z.boolean(),
        problems: z.array(z.object({ field: z.string(), message: z.string() })),
        normalized: adHoc
          .omit({ password: true })
          .nullable()
          .describe('the parameters with defaults filled in'),
      }),
      handler: ({ body }) => {
        const withDefaults = { ...body };
        const type = body.db_type;
        if (withDefaults.port === undefined && typeof type === 'string' && type in defaultPorts) {
          withDefaults.port = defaultPorts[type as keyof typeof defaultPorts];
        }
        const parsed = adHoc.safeParse(withDefaults);
        if (parsed.success) {
          const { password: _password, ...normalized } = parsed.data;
          return Promise.resolve({ data: { valid: true, problems: [], normalized } });
        }
        const problems = parsed.error.issues.map((i) => ({
          field: i.path.join('.') || '(body)',
          message: i.message,
        }));
        return Promise.resolve({ data: { valid: false, problems, normalized: null } });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/instances/actions/batch-test-connections',
      tag: 'connections',
      summary: 'Test many instances, 8 at a time: one result per instance',
      access: { permission: 'update' },
      body: z.strictObject({ instance_ids: z.array(z.uuid()).min(1).max(200) }),
      response: z.object({
        results: z.array(outcomeSchema.extend({ instance_id: z.string() })),
        connected: z.number(),
        failed: z.number(),
      }),
      handler: async ({ body, req, user }) => {
        const tested = await commands.batchTestConnections(
          [...new Set(body.instance_ids)],
          commandContext(req, user),
        );
        const positions = tested.flatMap((t) => (t.position ? [t.position] : []));
        const last = positions.sort(comparePositions).at(-1);
        const results = tested.map(({ position: _position, ...r }) => r);
        return batchAnswer(projections, last, results, 'connected');
      },
    }),
    defineRoute({
      method: 'get',
      path: '/instances/:id/connection-status',
      tag: 'connections',
      summary: "An instance's last connection check",
      access: { permission: 'view' },
      params: idParams,
      response: z.object({
        instance_id: z.string(),
        status: z.string(),
        main_version: z.string().nullable(),
        last_connected: z.string().nullable(),
        last_checked_at: z.string().nullable(),
        latency_ms: z.number().nullable(),
        error_code: z.string().nullable(),
        error: z.string().nullable(),
      }),
      handler: async ({ params }) => {
        const row = await getInstanceRow(knex, params.id);
        if (!row) throw notFound('instance', params.id);
        return { data: connectionStatusToApi(row) };
      },
    }),
  ];
}
