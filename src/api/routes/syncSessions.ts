// Sync sessions: start account syncs (answering with the session_id at once), list and read sessions,
// their timeline from the event log, and the operators' compensating commands.
import { z } from 'zod';
import { makeCancelSession } from '../../commands/sync/compensations.js';
import { makeRunAccountSync } from '../../commands/sync/runAccountSync.js';
import { notFound } from '../../domain/errors.js';
import { formatPosition } from '../../domain/events/envelope.js';
import { sessionCategories, sessionStream, syncTypes } from '../../domain/sessions/events.js';
import { getSession, listSessions, sessionErrorLogs } from '../../projections/syncSessions/queries.js';
import type { ApiDeps } from '../deps.js';
import { pageMeta, pagingQuery } from '../envelope.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { commandContext } from './commandContext.js';
import { recordActionRoutes } from './recordActions.js';
import { sessionRunDeps } from './sessionRunDeps.js';
import { sessionStartRoutes } from './sessionStartRoutes.js';
import { idParams } from './schemas.js';

const loose = z.record(z.string(), z.unknown());

export function syncSessionRoutes(deps: ApiDeps): RouteDefinition[] {
  const { knex, store, projections } = deps;
  const runSync = makeRunAccountSync(sessionRunDeps(deps));
  const ensureSession = async (id: string) => {
    if (!((await store.streamRevision(sessionStream(id))) !== undefined)) throw notFound('sync session', id);
  };

  return [
    ...sessionStartRoutes(deps, {
      tag: 'sync-sessions',
      what: 'account sync',
      singlePath: '/instances/:id/actions/sync-accounts',
      batchPath: '/instances/actions/sync-accounts',
      singleSummary:
        "Sync one instance's accounts and permissions (answers with the session_id; the sync runs on)",
      batchSummary:
        'Sync accounts of the listed instances, or of every active instance when instance_ids is omitted',
      run: runSync,
    }),
    defineRoute({
      method: 'get',
      path: '/sync-sessions',
      tag: 'sync-sessions',
      summary: 'Sync sessions, newest first (filters: category, type, status, from, to)',
      access: { permission: 'view' },
      query: pagingQuery
        .extend({
          category: z.enum(sessionCategories).optional(),
          type: z.enum(syncTypes).optional(),
          status: z.enum(['running', 'completed', 'partial', 'failed', 'cancelled']).optional(),
          from: z.iso.datetime({ offset: true }).optional(),
          to: z.iso.datetime({ offset: true }).optional(),
        })
        .strict(),
      response: loose,
      paged: true,
      handler: async ({ query }) => {
        const { items, total } = await listSessions(
          knex,
          {
            category: query.category,
            syncType: query.type,
            status: query.status,
            from: query.from ? new Date(query.from) : undefined,
            to: query.to ? new Date(query.to) : undefined,
          },
          query,
        );
        return { data: items, meta: pageMeta(query, total) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/sync-sessions/:id',
      tag: 'sync-sessions',
      summary: 'A session with its records',
      access: { permission: 'view' },
      params: idParams,
      response: loose,
      handler: async ({ params }) => {
        const session = await getSession(knex, params.id);
        if (!session) throw notFound('sync session', params.id);
        return { data: session };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/sync-sessions/:id/error-logs',
      tag: 'sync-sessions',
      summary: 'The records that failed or were abandoned, with phase, code and message',
      access: { permission: 'view' },
      params: idParams,
      response: z.array(loose),
      handler: async ({ params }) => {
        await ensureSession(params.id);
        return { data: await sessionErrorLogs(knex, params.id) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/sync-sessions/:id/events',
      tag: 'sync-sessions',
      summary: "The session's whole timeline from the event log, in order, with actor, causation and phase",
      access: { permission: 'view' },
      params: idParams,
      response: z.array(loose),
      handler: async ({ params }) => {
        const events = await store.readStream(sessionStream(params.id));
        if (events.length === 0) throw notFound('sync session', params.id);
        return {
          data: events.map((e) => ({
            revision: Number(e.revision),
            position: formatPosition(e.position),
            event_id: e.eventId,
            type: e.type,
            occurred_at: e.metadata.occurredAt,
            actor: e.metadata.actor,
            correlation_id: e.metadata.correlationId,
            causation_id: e.metadata.causationId,
            instance_id: (e.data as { instanceId?: string }).instanceId ?? null,
            phase: (e.data as { phase?: string }).phase ?? null,
            data: e.data,
          })),
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/sync-sessions/:id/actions/cancel',
      tag: 'sync-sessions',
      summary: 'Cancel a running session: its open records are abandoned',
      access: { permission: 'update' },
      params: idParams,
      body: z.strictObject({ reason: z.string().max(1000).default('cancelled by an operator') }),
      response: loose,
      handler: async ({ params, body, req, user }) => {
        await ensureSession(params.id);
        const position = await makeCancelSession({ store })(
          params.id,
          body.reason,
          commandContext(req, user),
        );
        if (position) await projections.waitForPosition(position);
        return { data: (await getSession(knex, params.id)) ?? {}, message: 'session cancelled' };
      },
    }),
    ...recordActionRoutes(deps),
  ];
}
