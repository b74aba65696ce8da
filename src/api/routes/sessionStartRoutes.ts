// The routes that start a session of one category: for one instance, and for a list (or every active
// instance). The session runs on in the background; the answer is 202 with its session_id. A category may
// offer a follow-up session (`?then=classify` after an account sync): the answer then also names it.
import { z } from 'zod';
import type { CommandContext } from '../../commands/commandContext.js';
import type { RunOptions, StartedSession, Target } from '../../commands/sync/runSession.js';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { commandContext } from '../commandContext.js';
import { idParams } from '../schemas/common.js';

type SyncType = 'manual_single' | 'manual_batch';
type Run<S extends StartedSession = StartedSession> = (
  target: Target,
  syncType: SyncType,
  ctx: CommandContext,
  options: RunOptions,
) => Promise<S>;

/** A session that starts another one when it ends (its id is known at once). */
type RunThen = Run<StartedSession & { thenSessionId: string }>;

type StartDeps = Pick<ApiDeps, 'config' | 'tasks' | 'logger' | 'projections'>;

const startedResponse = z.object({
  session_id: z.uuid(),
  then_session_id: z.uuid().optional().describe('the follow-up session asked for with `then`'),
});

/** The body of a batch start: the listed instances, or every active one when instance_ids is omitted. */
const batchBody = z.strictObject({ instance_ids: z.array(z.uuid()).min(1).max(1000).optional() });
const batchTarget = (body: z.output<typeof batchBody>): Target =>
  body.instance_ids ? { instanceIds: [...new Set(body.instance_ids)] } : 'all-active';

/**
 * Starts a session through `run` with the configured concurrency and deadline, tracks it in the
 * background, and answers 202 once its start is in the read tables (a GET of the session finds it).
 */
export function sessionStarter(deps: StartDeps, what: string) {
  return async (run: Run | RunThen, target: Target, syncType: SyncType, ctx: CommandContext) => {
    const started: StartedSession & { thenSessionId?: string } = await run(target, syncType, ctx, {
      concurrency: deps.config.sync.concurrency,
      deadlineMs: deps.config.sync.instanceDeadlineMs,
    });
    deps.tasks.track(started.done, (err) =>
      deps.logger.error({ err, sessionId: started.sessionId }, `${what} session failed`),
    );
    if (started.position) await deps.projections.waitForPosition(started.position);
    const then = started.thenSessionId;
    return {
      status: 202,
      data: { session_id: started.sessionId, ...(then ? { then_session_id: then } : {}) },
      message: then ? `${what} started, then classification ${then}` : `${what} started`,
    };
  };
}

/** The one route that starts a session over a list of instances (or every active one). */
export function batchStartRoute(
  deps: StartDeps,
  spec: { tag: string; what: string; path: string; summary: string; run: Run },
): RouteDefinition {
  const start = sessionStarter(deps, spec.what);
  return defineRoute({
    method: 'post',
    path: spec.path,
    tag: spec.tag,
    summary: spec.summary,
    access: { permission: 'update' },
    body: batchBody,
    status: 202,
    response: startedResponse,
    handler: ({ body, req, user }) =>
      start(spec.run, batchTarget(body), 'manual_batch', commandContext(req, user)),
  });
}

export function sessionStartRoutes(
  deps: StartDeps,
  spec: {
    tag: string;
    what: string;
    singlePath: string;
    batchPath: string;
    singleSummary: string;
    batchSummary: string;
    run: Run;
    /** `?then=classify`: this run instead, the sync then a classification of the same instances. */
    thenClassify?: RunThen;
  },
): RouteDefinition[] {
  const start = sessionStarter(deps, spec.what);
  const { thenClassify } = spec;
  const query = thenClassify
    ? z.strictObject({
        then: z
          .enum(['classify'])
          .optional()
          .describe('classify: when the sync has ended, classify the same instances (then_session_id)'),
      })
    : undefined;
  const runFor = (q: { then?: 'classify' | undefined } | undefined): Run | RunThen =>
    q?.then === 'classify' && thenClassify ? thenClassify : spec.run;
  return [
    defineRoute({
      method: 'post',
      path: spec.singlePath,
      tag: spec.tag,
      summary: spec.singleSummary,
      access: { permission: 'update' },
      params: idParams,
      query,
      status: 202,
      response: startedResponse,
      handler: ({ params, query: q, req, user }) =>
        start(runFor(q), { instanceIds: [params.id] }, 'manual_single', commandContext(req, user)),
    }),
    defineRoute({
      method: 'post',
      path: spec.batchPath,
      tag: spec.tag,
      summary: spec.batchSummary,
      access: { permission: 'update' },
      query,
      body: batchBody,
      status: 202,
      response: startedResponse,
      handler: ({ body, query: q, req, user }) =>
        start(runFor(q), batchTarget(body), 'manual_batch', commandContext(req, user)),
    }),
  ];
}
