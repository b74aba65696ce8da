// Reads of audit_log for the API.
import type { Knex } from 'knex';
import type { Paging } from '../../domain/paging.js';
import { paged } from '../paging.js';

export interface AuditFilters {
  type?: string | undefined;
  username?: string | undefined;
  actorId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

export async function listAuditEvents(knex: Knex, filters: AuditFilters, paging: Paging) {
  const q = knex('audit_log');
  if (filters.type) q.where('type', filters.type);
  if (filters.username) q.whereRaw('lower(username) = lower(?)', [filters.username]);
  if (filters.actorId) q.where('actor_id', filters.actorId);
  if (filters.from) q.where('occurred_at', '>=', filters.from);
  if (filters.to) q.where('occurred_at', '<', filters.to);
  const { total, rows } = await paged<{
    event_id: string;
    type: string;
    occurred_at: Date;
    actor_kind: string;
    actor_id: string;
    user_id: string | null;
    username: string | null;
    ip: string | null;
    details: Record<string, unknown>;
  }>(q, paging, {
    order: [
      { column: 'occurred_at', order: 'desc' },
      { column: 'position_commit', order: 'desc' },
      { column: 'position_prepare', order: 'desc' },
    ],
    columns: [
      'event_id',
      'type',
      'occurred_at',
      'actor_kind',
      'actor_id',
      'user_id',
      'username',
      'ip',
      'details',
    ],
  });
  return {
    total,
    items: rows.map((r) => ({
      event_id: r.event_id,
      type: r.type,
      occurred_at: r.occurred_at.toISOString(),
      actor: { kind: r.actor_kind, id: r.actor_id },
      user_id: r.user_id,
      username: r.username,
      ip: r.ip,
      details: r.details,
    })),
  };
}
