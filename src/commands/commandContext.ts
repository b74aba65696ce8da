// Who issues a command, under which correlation, and when; and the one builder of the events commands append.
import { randomUUID } from 'node:crypto';
import type { Actor, EventData } from '../domain/events/envelope.js';

export interface CommandContext {
  actor: Actor;
  correlationId: string;
  /** When the command was issued: what it decides on (today's date, the last completed period). */
  now: Date;
  /**
   * Stamps the `occurredAt` of the events the command appends. Without it every event says `now`; a sync
   * session runs for minutes, so its context carries the system clock (see `running`) and each event tells
   * when it happened.
   */
  clock?: () => Date;
}

/** The time the next event of this command happened. */
export const timeOf = (ctx: CommandContext): Date => (ctx.clock ? ctx.clock() : ctx.now);

/** The context of a long-running command (a session's run): its events are stamped as they happen. */
export const running = (ctx: CommandContext): CommandContext =>
  ctx.clock ? ctx : { ...ctx, clock: () => new Date() };

/** What an event is about, beyond the context: its session, its instance, the event that caused it. */
export interface EventScope {
  sessionId?: string | undefined;
  instanceId?: string | undefined;
  causationId?: string | undefined;
}

/** One event with its metadata, ready to append. The only place metadata is assembled. */
export function newEvent<Type extends string, Data>(
  ctx: CommandContext,
  type: Type,
  data: Data,
  scope: EventScope = {},
  schemaVersion = 1,
): EventData<Type, Data> {
  return {
    eventId: randomUUID(),
    type,
    schemaVersion,
    data,
    metadata: {
      correlationId: ctx.correlationId,
      causationId: scope.causationId ?? null,
      actor: ctx.actor,
      occurredAt: timeOf(ctx).toISOString(),
      ...(scope.sessionId ? { sessionId: scope.sessionId } : {}),
      ...(scope.instanceId ? { instanceId: scope.instanceId } : {}),
    },
  };
}
