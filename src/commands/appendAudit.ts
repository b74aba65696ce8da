// Appends one audit event (sign-ins, user changes) to the day's audit stream.
import type { EventStore, SqlTransaction } from '../adapters/eventStore/port.js';
import { auditStream } from '../domain/audit/events.js';
import type { Actor, Position } from '../domain/events/envelope.js';
import { newEvent, type CommandContext } from './commandContext.js';
import { appendWithRows } from './streamWrites.js';

/** An audit event's context: who, under which request, when (a command's context). */
export type AuditContext = CommandContext;

export const anonymous: Actor = { kind: 'user', id: 'anonymous' };

export async function appendAudit(
  store: Pick<EventStore, 'append'>,
  ctx: AuditContext,
  type: string,
  data: Record<string, unknown>,
  /** The transaction that changed the rows this event audits: both commit, or neither. */
  within?: SqlTransaction,
): Promise<Position> {
  const event = newEvent(ctx, type, data);
  const { position } = await appendWithRows(store, within, auditStream(ctx.now), [event], 'any');
  return position;
}
