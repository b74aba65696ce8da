// Event definitions and envelopes for the registry's tests: Pinged (v1), UserRenamed (v3, two upcasters).
import { expect } from 'vitest';
import { z } from 'zod';
import type { EventData, EventMetadata, RecordedEvent } from '../../src/domain/events/envelope.js';
import { defineEvent, type Upcaster } from '../../src/domain/events/registry.js';

/** Calls fn and returns what it throws, checked to be an instance of ctor. */
export function thrown<E extends Error>(fn: () => unknown, ctor: new (...args: never[]) => E): E {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ctor);
    return error as E;
  }
  throw new Error(`expected ${ctor.name} to be thrown`);
}

export const metadata = (): EventMetadata => ({
  correlationId: 'c',
  causationId: null,
  actor: { kind: 'system', id: 't' },
  occurredAt: new Date().toISOString(),
});

export const eventData = (
  type: string,
  schemaVersion: number,
  data: unknown,
  meta: unknown = metadata(),
): EventData => ({
  eventId: 'e-1',
  type,
  schemaVersion,
  data,
  metadata: meta as EventMetadata,
});

export const recorded = (type: string, schemaVersion: number, data: unknown): RecordedEvent => ({
  eventId: 'e-1',
  type,
  schemaVersion,
  data,
  metadata: metadata(),
  streamId: 's',
  revision: 0n,
  position: { commit: 1n, prepare: 1n },
  recordedAt: new Date(),
});

export const deepFreeze = <T>(value: T): T => {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
};

export const Pinged = defineEvent({
  type: 'Pinged',
  schemaVersion: 1,
  schema: z.object({ n: z.number().int(), label: z.string().optional() }),
});

// UserRenamed: v1 { name }, v2 renamed name -> displayName, v3 added locale defaulting to 'en'.
export const renameField: Upcaster = (data) => {
  const { name, ...rest } = data as { name: unknown };
  return { ...rest, displayName: name };
};
export const addLocale: Upcaster = (data) => ({ locale: 'en', ...(data as object) });

export const userRenamedSchema = z.object({
  userId: z.string(),
  displayName: z.string().min(1),
  locale: z.string(),
});

export function userRenamed(upcasters: Record<number, Upcaster> = { 1: renameField, 2: addLocale }) {
  return defineEvent({ type: 'UserRenamed', schemaVersion: 3, schema: userRenamedSchema, upcasters });
}
