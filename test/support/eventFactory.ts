// Builders for events in tests and benchmarks.
import { randomUUID } from 'node:crypto';
import type { EventData, EventMetadata, RecordedEvent } from '../../src/domain/events/envelope.js';

export const testMetadata = (overrides: Partial<EventMetadata> = {}): EventMetadata => ({
  correlationId: randomUUID(),
  causationId: null,
  actor: { kind: 'system', id: 'test' },
  occurredAt: new Date().toISOString(),
  ...overrides,
});

export const anEvent = (type = 'TestHappened', data: unknown = { n: 0 }, schemaVersion = 1): EventData => ({
  eventId: randomUUID(),
  type,
  schemaVersion,
  data,
  metadata: testMetadata(),
});

export const numbered = (count: number, type = 'TestHappened', from = 0): EventData[] =>
  Array.from({ length: count }, (_, i) => anEvent(type, { n: from + i }));

export const uniqueStream = (prefix = 'test'): string => `${prefix}-${randomUUID()}`;

/** An event as read from the log, for pure folds: the n-th of a test log, at the time given. */
export const recorded = (n: number, type: string, data: unknown, occurredAt: string): RecordedEvent => ({
  ...anEvent(type, data),
  metadata: testMetadata({ occurredAt, actor: { kind: 'user', id: 'u-1' } }),
  streamId: 'test-stream',
  revision: BigInt(n),
  position: { commit: BigInt(n + 1), prepare: BigInt(n + 1) },
  recordedAt: new Date(occurredAt),
});
