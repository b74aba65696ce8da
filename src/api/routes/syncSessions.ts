// Sync sessions: start account syncs (answering with the session_id at once; ?then=classify chains a
// classification), list and read sessions, their timeline from the event log, and the operators'
// compensating commands.
import { z } from 'zod';
import { notFound } from '../../domain/errors.js';
import { formatPosition } from '../../domain/events/envelope.js';
import { recordPhases, sessionCategories, syncTypes } from '../../domain/sessions/events.js';
import {
  FIRST_RECORDS,
  getSession,
  listSessions,
  sessionErrorLogs,
  sessionRecords,
} from '../../projections/syncSessions/queries.js';
import type { ApiDeps } from '../deps.js';
import { pageOf, pagingQuery, timeRange } from '../envelope.js';
import { pageTotals } from '../pageTotals.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { commandContext } from '../commandContext.js';
import { recordActionRoutes } from './recordActions.js';
import { sessionStartRoutes } from './sessionStartRoutes.js';
import { idParams } from '../schemas/common.js';
import {
  errorLogSchema,
  recordSchema,
  recordStatuses,
  sessionSchema,
  sessionStatuses,
  sessionWithRecordsSchema,
  timelineEntrySchema,
} from '../schemas/syncSessions.js';

export function syncSessionRoutes(deps: ApiDeps): RouteDefinition[] {
  const { knex, projections, commands, queries } = deps;
  const totals = pageTotals(projections);
  const ensureSession = async (id: string) => {
    if (!(await queries.sessionExists(id))) throw notFound('sync session', id);
  };
  // After a command's events reached the projection: its session row is there (the stream exists).
  const sessionAfter = async (id: string) => {
    const session = await getSession(knex, id, totals);
    if (!session) throw notFound('sync session', id);
    return session;
  };

  return [
    ...sessionStartRoutes(deps, {
      tag: 'sync-sessions',
      what: 'account sync',
      singlePath: '/instances/:id/actions/sync-accounts',
      batchPath: '/instances/actions/sync-accounts',
      singleSummary:
        "Sync one instance's accounts and permissions (answers with the session_id; the sync runs on); ?then=classify classifies it afterwards",
      batchSummary:
        'Sync accounts of the listed instances, or of every active instance when instance_ids is omitted; ?then=classify classifies them afterwards',
      run: commands.runAccountSync,
      thenClassify: commands.runAccountSyncThenClassify,
    }),
    defineRoute({
      method: 'get',
      path: '/sync-sessions',
      tag: 'sync-sessions',
      summary: 'Sync sessions, newest first (filters: category, type, status, from, to, instance_id)',
      access: { permission: 'view' },
      query: pagingQuery
        .extend({
          category: z.enum(sessionCategories).optional(),
          type: z.enum(syncTypes).optional(),
          status: z.enum(sessionStatuses).optional(),
          from: z.iso.datetime({ offset: true }).optional(),
          to: z.iso.datetime({ offset: true }).optional(),
          instance_id: z.uuid().optional().describe('sessions with a record of this instance'),
        })
        .strict(),
      response: sessionSchema,
      paged: true,
      handler: ({ query }) =>
        pageOf(
          query,
          listSessions(
            knex,
            {
              category: query.category,
              syncType: query.type,
              status: query.status,
              instanceId: query.instance_id,
              ...timeRange(query),
            },
            query,
            totals,
          ),
        ),
    }),
    defineRoute({
      method: 'get',
      path: '/sync-sessions/:id',
      tag: 'sync-sessions',
      summary: `A session with its tally and the first page of its records (at most ${FIRST_RECORDS}, by instance name); records_meta tells the total and pages`,
      access: { permission: 'view' },
      params: idParams,
      response: sessionWithRecordsSchema,
      handler: async ({ params }) => ({ data: await sessionAfter(params.id) }),
    }),
    defineRoute({
      method: 'get',
      path: '/sync-sessions/:id/records',
      tag: 'sync-sessions',
      summary:
        "A session's records by instance name, paged (filters: status, phase of the last failure, search in the instance name)",
      access: { permission: 'view' },
      params: idParams,
      query: pagingQuery
        .extend({
          status: z.enum(recordStatuses).optional(),
          phase: z.enum(recordPhases).optional().describe('of the last failure'),
          search: z
            .string()
            .min(1)
            .max(128)
            .optional()
            .describe('a part of the instance name, case-insensitive'),
        })
        .strict(),
      response: recordSchema,
      paged: true,
      handler: async ({ params, query }) => {
        await ensureSession(params.id);
        return pageOf(query, sessionRecords(knex, params.id, query, query, totals));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/sync-sessions/:id/error-logs',
      tag: 'sync-sessions',
      summary: 'The records that failed or were abandoned, with phase, code and message',
      access: { permission: 'view' },
      params: idParams,
      response: z.array(errorLogSchema),
      handler: async ({ params }) => {
        await ensureSession(params.id);
        return { data: await sessionErrorLogs(knex, params.id) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/sync-sessions/:id/events',
      tag: 'sync-sessions',
      summary:
        "The session's timeline in commit order: its own events and those it caused on other streams, each with its instance's name",
      access: { permission: 'view' },
      params: idParams,
      response: z.array(timelineEntrySchema),
      handler: async ({ params }) => {
        const timeline = await queries.sessionTimeline(params.id);
        if (!timeline) throw notFound('sync session', params.id);
        return {
          data: timeline.map(({ event: e, instanceId, instanceName }) => ({
            position: formatPosition(e.position),
            stream_id: e.streamId,
            revision: Number(e.revision),
            event_id: e.eventId,
            type: e.type,
            occurred_at: e.metadata.occurredAt,
            actor: e.metadata.actor,
            correlation_id: e.metadata.correlationId,
            causation_id: e.metadata.causationId,
            instance_id: instanceId,
            instance_name: instanceName,
            phase: (e.data as { phase?: (typeof recordPhases)[number] }).phase ?? null,
            data: e.data as Record<string, unknown>,
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
      response: sessionWithRecordsSchema,
      handler: async ({ params, body, req, user }) => {
        await ensureSession(params.id);
        const position = await commands.cancelSession(params.id, body.reason, commandContext(req, user));
        if (position) await projections.waitForPosition(position);
        return { data: await sessionAfter(params.id), message: 'session cancelled' };
      },
    }),
    ...recordActionRoutes(deps),
  ];
}
