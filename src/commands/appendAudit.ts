// Appends one audit event (sign-ins, user changes) to the day's audit stream.
import { randomUUID } from 'node:crypto';
import type { EventStore } from '../adapters/eventStore/port.js';
import { auditStream } from '../domain/audit/events.js';
import type { Actor } from '../domain/events/envelope.js';
import type { Position } from '../domain/events/envelope.js';

export interface AuditContext {
  actor: Actor;
  correlationId: string;
  now: Date;
}

export const anonymous: Actor = { kind: 'user', id: 'anonymous' };

export async function appendAudit(
  store: Pick<EventStore, 'append'>,
  ctx: AuditContext,
  type: string,
  data: Record<string, unknown>,
): Promise<Position> {
  const { position } = await store.append(
    auditStream(ctx.now),
    [
      {
        eventId: randomUUID(),
        type,
        schemaVersion: 1,
        data,
        metadata: {
          correlationId: ctx.correlationId,
          causationId: null,
          actor: ctx.actor,
          occurredAt: ctx.now.toISOString(),
        },
      },
    ],
    { expectedRevision: 'any' },
  );
  return position;
}
