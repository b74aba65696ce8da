// The operators' actions on one record of a sync session. retry and confirm-inventory start the record's
// next attempt through the session's own runner and answer 202 while it runs (?wait=true answers with its
// outcome, a failure as an error with the record's code); revert-inventory and abandon answer at once.
import { z } from 'zod';
import type { StartedRetry } from '../../commands/sync/compensations.js';
import type { CommandContext } from '../../commands/commandContext.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { Position } from '../../domain/events/envelope.js';
import { isMessageCode } from '../../domain/messageCodes.js';
import { getSession } from '../../projections/syncSessions/queries.js';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { commandContext } from '../commandContext.js';
import { sessionWithRecordsSchema } from '../schemas/syncSessions.js';

const recordParams = z.strictObject({ id: z.uuid(), instanceId: z.uuid() });
const path = (action: string) => `/sync-sessions/:id/records/:instanceId/actions/${action}`;

const attemptResponse = z.object({
  session_id: z.uuid(),
  instance_id: z.uuid(),
  attempt: z.number().int(),
  status: z.enum(['pending', 'running', 'retrying', 'completed', 'failed', 'skipped', 'abandoned']),
  phase: z.string().nullable(),
  error_code: z.string().nullable(),
});

export function recordActionRoutes(
  deps: Pick<ApiDeps, 'knex' | 'projections' | 'logger' | 'tasks' | 'commands' | 'queries'>,
): RouteDefinition[] {
  const { knex, projections, logger, commands, queries } = deps;

  /** retry and confirm-inventory: 202 while the attempt runs, or (wait) its outcome. */
  const attemptRoute = (
    action: string,
    summary: string,
    start: (sessionId: string, instanceId: string, ctx: CommandContext) => Promise<StartedRetry>,
  ) =>
    defineRoute({
      method: 'post',
      path: path(action),
      tag: 'sync-sessions',
      summary,
      access: { permission: 'update' },
      params: recordParams,
      query: z.strictObject({ wait: z.enum(['true', 'false']).default('false') }),
      status: 202,
      response: attemptResponse,
      handler: async ({ params, query, req, user }) => {
        const started = await start(params.id, params.instanceId, commandContext(req, user));
        deps.tasks.track(started.done, (err) =>
          logger.error({ err, sessionId: params.id, instanceId: params.instanceId }, `${action} failed`),
        );
        const ids = { session_id: params.id, instance_id: params.instanceId, attempt: started.attempt };
        if (started.position) await projections.waitForPosition(started.position);
        if (query.wait === 'false')
          return {
            status: 202,
            data: { ...ids, status: 'running' as const, phase: null, error_code: null },
            message: `${action} started: GET /sync-sessions/${params.id} shows its outcome`,
          };
        const outcome = await started.done;
        await projections.waitForPosition(await queries.headPosition());
        if (outcome.status !== 'completed' && outcome.status !== 'skipped') {
          const code = outcome.messageCode && isMessageCode(outcome.messageCode) ? outcome.messageCode : null;
          throw new AppError(
            code ?? 'TASK_EXECUTION_FAILED',
            `the ${action} did not succeed: the record is ${outcome.status}${outcome.messageCode ? ` (${outcome.messageCode}, phase ${outcome.phase})` : ''}`,
            { ...ids, record_status: outcome.status, phase: outcome.phase, error_code: outcome.messageCode },
          );
        }
        return {
          status: 200,
          data: { ...ids, status: outcome.status, phase: outcome.phase, error_code: null },
          message: `${action}: the record is ${outcome.status}`,
        };
      },
    });

  /** revert-inventory and abandon: the command, then the session as the read tables show it. */
  const answer = async (sessionId: string, position: Position | undefined, message: string) => {
    // Wait for this command's own last event, not the log's head (which can lag behind it).
    if (position) await projections.waitForPosition(position);
    const session = await getSession(knex, sessionId);
    if (!session) throw notFound('sync session', sessionId);
    return { data: session, message };
  };

  return [
    attemptRoute(
      'retry',
      "Retry a failed, abandoned or retrying record with its session's work (202 while it runs; ?wait=true answers with the outcome)",
      commands.retryRecord,
    ),
    attemptRoute(
      'confirm-inventory',
      'Confirm the mass deactivation the inventory guard stopped: the sync runs again, allowed past the guard (202; ?wait=true)',
      commands.confirmInventory,
    ),
    defineRoute({
      method: 'post',
      path: path('revert-inventory'),
      tag: 'sync-sessions',
      summary: "Restore the accounts that preceded this session's inventory (InventoryReverted), once",
      access: { permission: 'update' },
      params: recordParams,
      response: sessionWithRecordsSchema,
      handler: async ({ params, req, user }) => {
        const ctx = commandContext(req, user);
        const position = await commands.revertInventory(params.id, params.instanceId, ctx);
        return answer(params.id, position, 'inventory reverted');
      },
    }),
    defineRoute({
      method: 'post',
      path: path('abandon'),
      tag: 'sync-sessions',
      summary: 'Abandon a record that will not finish, with the reason',
      access: { permission: 'update' },
      params: recordParams,
      body: z.strictObject({ reason: z.string().trim().min(1).max(900).optional() }),
      response: sessionWithRecordsSchema,
      handler: async ({ params, body, req, user }) => {
        const reason = `abandoned by an operator${body.reason ? `: ${body.reason}` : ''}`;
        const ctx = commandContext(req, user);
        const position = await commands.abandonRecord(params.id, params.instanceId, reason, ctx);
        return answer(params.id, position, 'record abandoned');
      },
    }),
  ];
}
