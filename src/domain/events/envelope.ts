// The event envelope (docs/architecture.md#events). Pure types and schemas: no I/O, no clock, no ids here.
import { z } from 'zod';

/**
 * A place in the global log. Ordered by (commit, prepare), as KurrentDB counts it. On PostgreSQL,
 * commit is the appending transaction's id and prepare the global sequence number, so an event that
 * commits late is never ordered before one a reader has already passed.
 */
export interface Position {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export const START: Position = Object.freeze({ commit: -1n, prepare: -1n });

export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

export const formatPosition = (p: Position): string => `${p.commit}/${p.prepare}`;

export function parsePosition(text: string): Position {
  const match = /^(-?\d+)\/(-?\d+)$/.exec(text.trim());
  if (!match) throw new Error(`expected a position as "commit/prepare", got '${text}'`);
  return { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) };
}

export const actorSchema = z.object({
  kind: z.enum(['user', 'scheduler', 'system']),
  id: z.string().min(1),
});
export type Actor = z.infer<typeof actorSchema>;

export const eventMetadataSchema = z.object({
  correlationId: z.string().min(1),
  causationId: z.string().min(1).nullable(),
  actor: actorSchema,
  sessionId: z.string().optional(),
  instanceId: z.string().optional(),
  occurredAt: z.iso.datetime({ offset: true }),
});
export type EventMetadata = z.infer<typeof eventMetadataSchema>;

/** What a command hands to the store. */
export interface EventData<Type extends string = string, Data = unknown> {
  readonly eventId: string;
  readonly type: Type;
  readonly schemaVersion: number;
  readonly data: Data;
  readonly metadata: EventMetadata;
}

/** What a reader gets back: the envelope with where the event sits in its stream and in the log. */
export interface RecordedEvent<Type extends string = string, Data = unknown> extends EventData<Type, Data> {
  readonly streamId: string;
  readonly revision: bigint;
  readonly position: Position;
  readonly recordedAt: Date;
}
