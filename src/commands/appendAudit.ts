// Appends one audit event (sign-ins, user changes) to the day's audit stream.
import type { EventStore } from '../adapters/eventStore/port.js';
import { auditStream } from '../domain/audit/events.js';
import type { Actor, Position } from '../domain/events/envelope.js';
import { newEvent, type CommandContext } from './commandContext.js';

/** An audit event's context: who, under which request, when (a command's context). */
export type AuditContext = CommandContext;

export const anonymous: Actor = { kind: 'user', id: 'anonymous' };

export async function appendAudit(
  store: Pick<EventStore, 'append'>,
  ctx: AuditContext,
  type: string,
  data: Record<string, unknown>,
): Promise<Position> {
  const { position } = await store.append(auditStream(ctx.now), [newEvent(ctx, type, data)], {
    expectedRevision: 'any',
  });
  return position;
}
