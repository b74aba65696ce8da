// The two routes that start a sync session of one category: for one instance, and for a list (or every
// active instance). The session runs on in the background; the answer is 202 with its session_id.
import { z } from 'zod';
import type { CommandContext } from '../../commands/commandContext.js';
import type { RunOptions, StartedSession, Target } from '../../commands/sync/runSession.js';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { commandContext } from '../commandContext.js';
import { idParams } from '../schemas/common.js';

type Run = (
  target: Target,
  syncType: 'manual_single' | 'manual_batch',
  ctx: CommandContext,
  options: RunOptions,
) => Promise<StartedSession>;

export function sessionStartRoutes(
  deps: Pick<ApiDeps, 'config' | 'tasks' | 'logger' | 'projections'>,
  spec: {
    tag: string;
    what: string;
    singlePath: string;
    batchPath: string;
    singleSummary: string;
    batchSummary: string;
    run: Run;
  },
): RouteDefinition[] {
  const start = async (target: Target, syncType: 'manual_single' | 'manual_batch', ctx: CommandContext) => {
    const started = await spec.run(target, syncType, ctx, {
      concurrency: deps.config.sync.concurrency,
      deadlineMs: deps.config.sync.instanceDeadlineMs,
    });
    deps.tasks.track(started.done, (err) =>
      deps.logger.error({ err, sessionId: started.sessionId }, `${spec.what} session failed`),
    );
    if (started.position) await deps.projections.waitForPosition(started.position);
    return { status: 202, data: { session_id: started.sessionId }, message: `${spec.what} started` };
  };
  const response = z.object({ session_id: z.uuid() });
  return [
    defineRoute({
      method: 'post',
      path: spec.singlePath,
      tag: spec.tag,
      summary: spec.singleSummary,
      access: { permission: 'update' },
      params: idParams,
      status: 202,
      response,
      handler: ({ params, req, user }) =>
        start({ instanceIds: [params.id] }, 'manual_single', commandContext(req, user)),
    }),
    defineRoute({
      method: 'post',
      path: spec.batchPath,
      tag: spec.tag,
      summary: spec.batchSummary,
      access: { permission: 'update' },
      body: z.strictObject({ instance_ids: z.array(z.uuid()).min(1).max(1000).optional() }),
      status: 202,
      response,
      handler: ({ body, req, user }) =>
        start(
          body.instance_ids ? { instanceIds: [...new Set(body.instance_ids)] } : 'all-active',
          'manual_batch',
          commandContext(req, user),
        ),
    }),
  ];
}
