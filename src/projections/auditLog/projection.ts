// audit_log: one row per audit event, for GET /audit/events.
import { auditEventTypes } from '../../domain/audit/events.js';
import type { Projection } from '../projection.js';

export const auditLogProjection: Projection = {
  name: 'audit_log',
  tables: ['audit_log'],
  eventTypes: auditEventTypes,
  apply: async ({ trx, table }, events) => {
    const rows = events.map((e) => {
      const data = e.data as { userId?: string | null; username?: string; ip?: string | null };
      const { userId, username, ip, ...details } = data;
      return {
        event_id: e.eventId,
        position_commit: e.position.commit.toString(),
        position_prepare: e.position.prepare.toString(),
        type: e.type,
        occurred_at: e.metadata.occurredAt,
        actor_kind: e.metadata.actor.kind,
        actor_id: e.metadata.actor.id,
        user_id: userId ?? null,
        username: username ?? null,
        ip: ip ?? null,
        details: JSON.stringify(details),
      };
    });
    await trx(table('audit_log')).insert(rows).onConflict('event_id').ignore();
  },
};
