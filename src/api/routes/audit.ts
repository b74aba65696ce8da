// /audit/events: the audit trail (sign-ins, user changes), newest first. Administrators only.
import { z } from 'zod';
import { auditEventTypes } from '../../domain/audit/events.js';
import { listAuditEvents } from '../../projections/auditLog/queries.js';
import type { ApiDeps } from '../deps.js';
import { pageOf, pagingQuery, timeRange } from '../envelope.js';
import { auditEventSchema } from '../schemas/audit.js';
import { defineRoute, type RouteDefinition } from '../route.js';

/** Who may read the audit trail (here and in GET /dashboard/activities). */
export const auditPermission = 'admin' as const;

export function auditRoutes({ knex }: ApiDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/audit/events',
      tag: 'audit',
      summary: 'Audit events, newest first (filters: type, username, actor_id, from, to)',
      access: { permission: auditPermission },
      query: pagingQuery
        .extend({
          type: z.enum(auditEventTypes as [string, ...string[]]).optional(),
          username: z.string().max(200).optional(),
          actor_id: z.string().max(200).optional(),
          from: z.iso.datetime({ offset: true }).optional(),
          to: z.iso.datetime({ offset: true }).optional(),
        })
        .strict(),
      response: auditEventSchema,
      paged: true,
      handler: ({ query }) =>
        pageOf(
          query,
          listAuditEvents(
            knex,
            { type: query.type, username: query.username, actorId: query.actor_id, ...timeRange(query) },
            query,
          ),
        ),
    }),
  ];
}
