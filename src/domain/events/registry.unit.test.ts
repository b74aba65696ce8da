import { describe, it, expect, vi } from 'vitest';
import { z } from 'zod';
import {
  comparePositions,
  formatPosition,
  parsePosition,
  START,
  type EventData,
  type EventMetadata,
  type Position,
  type RecordedEvent,
} from './envelope.js';
import {
  defineEvent,
  EventRegistry,
  EventValidationError,
  UnknownEventTypeError,
  type Upcaster,
} from './registry.js';

/** Calls fn and returns what it throws, checked to be an instance of ctor. */
function thrown<E extends Error>(fn: () => unknown, ctor: new (...args: never[]) => E): E {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ctor);
    return error as E;
  }
  throw new Error(`expected ${ctor.name} to be thrown`);
}

const metadata = (): EventMetadata => ({
  correlationId: 'c',
  causationId: null,
  actor: { kind: 'system', id: 't' },
  occurredAt: new Date().toISOString(),
});

const eventData = (
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

const recorded = (type: string, schemaVersion: number, data: unknown): RecordedEvent => ({
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

const deepFreeze = <T>(value: T): T => {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
};

const Pinged = defineEvent({
  type: 'Pinged',
  schemaVersion: 1,
  schema: z.object({ n: z.number().int(), label: z.string().optional() }),
});

// UserRenamed: v1 { name }, v2 renamed name -> displayName, v3 added locale defaulting to 'en'.
const renameField: Upcaster = (data) => {
  const { name, ...rest } = data as { name: unknown };
  return { ...rest, displayName: name };
};
const addLocale: Upcaster = (data) => ({ locale: 'en', ...(data as object) });

const userRenamedSchema = z.object({
  userId: z.string(),
  displayName: z.string().min(1),
  locale: z.string(),
});

function userRenamed(upcasters: Record<number, Upcaster> = { 1: renameField, 2: addLocale }) {
  return defineEvent({ type: 'UserRenamed', schemaVersion: 3, schema: userRenamedSchema, upcasters });
}

describe('EventRegistry.encode', () => {
  const registry = new EventRegistry([Pinged]);

  it('accepts a valid event and returns it with parsed data', () => {
    const event = eventData('Pinged', 1, { n: 3, label: 'x' });
    const encoded = registry.encode(event);
    expect(encoded).toEqual(event);
    expect(encoded).not.toBe(event);
  });

  it('accepts an occurredAt with a time-zone offset', () => {
    const event = eventData(
      'Pinged',
      1,
      { n: 1 },
      { ...metadata(), occurredAt: '2024-05-01T20:00:00+08:00' },
    );
    expect(registry.encode(event).metadata.occurredAt).toBe('2024-05-01T20:00:00+08:00');
  });

  it('strips keys the schema does not know from the data', () => {
    const encoded = registry.encode(eventData('Pinged', 1, { n: 1, extra: true }));
    expect(encoded.data).toEqual({ n: 1 });
  });

  it('rejects bad data with the field path', () => {
    const error = thrown(() => registry.encode(eventData('Pinged', 1, { n: 'three' })), EventValidationError);
    expect(error.stage).toBe('append');
    expect(error.eventType).toBe('Pinged');
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatch(/^n: /);
    expect(error.message).toContain('event Pinged failed validation on append');
  });

  it('reports missing data at the root', () => {
    const error = thrown(() => registry.encode(eventData('Pinged', 1, undefined)), EventValidationError);
    expect(error.issues[0]).toMatch(/^\(root\): /);
  });

  it.each([
    ['a missing correlationId', { correlationId: undefined }, 'metadata.correlationId: '],
    ['an empty correlationId', { correlationId: '' }, 'metadata.correlationId: '],
    ['a bad actor kind', { actor: { kind: 'robot', id: 't' } }, 'metadata.actor.kind: '],
    ['an empty actor id', { actor: { kind: 'user', id: '' } }, 'metadata.actor.id: '],
    ['occurredAt that is not ISO', { occurredAt: 'yesterday' }, 'metadata.occurredAt: '],
    ['occurredAt as a Date', { occurredAt: new Date() }, 'metadata.occurredAt: '],
    ['an undefined causationId', { causationId: undefined }, 'metadata.causationId: '],
  ])('rejects metadata with %s', (_label, patch, prefix) => {
    const event = eventData('Pinged', 1, { n: 1 }, { ...metadata(), ...patch });
    const error = thrown(() => registry.encode(event), EventValidationError);
    expect(error.stage).toBe('append');
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]!.startsWith(prefix)).toBe(true);
  });

  it('reports data and metadata problems together', () => {
    const event = eventData('Pinged', 1, { n: 1.5 }, { ...metadata(), actor: { kind: 'robot', id: '' } });
    const error = thrown(() => registry.encode(event), EventValidationError);
    expect(error.issues.map((i) => i.split(':')[0])).toEqual([
      'n',
      'metadata.actor.kind',
      'metadata.actor.id',
    ]);
  });

  it.each([0, 2])('rejects schemaVersion %i when the current one is 1', (version) => {
    const error = thrown(() => registry.encode(eventData('Pinged', version, { n: 1 })), EventValidationError);
    expect(error.stage).toBe('append');
    expect(error.issues).toEqual([`schemaVersion ${version} is not the current 1`]);
  });

  it('rejects an unknown type', () => {
    const error = thrown(() => registry.encode(eventData('Nope', 1, {})), UnknownEventTypeError);
    expect(error.eventType).toBe('Nope');
    expect(error.message).toContain("unknown event type 'Nope'");
  });
});

describe('EventRegistry registration', () => {
  it('lists and reports registered types', () => {
    const registry = new EventRegistry([Pinged]).register(userRenamed());
    expect(registry.types()).toEqual(['Pinged', 'UserRenamed']);
    expect(registry.has('Pinged')).toBe(true);
    expect(registry.has('Nope')).toBe(false);
  });

  it('throws when a type is registered twice', () => {
    const registry = new EventRegistry([Pinged]);
    expect(() => registry.register(Pinged)).toThrow('event type Pinged is registered twice');
    expect(() => new EventRegistry([Pinged, { ...Pinged }])).toThrow('registered twice');
  });
});

describe('defineEvent', () => {
  it('returns the definition when every upcaster is present', () => {
    const def = {
      type: 'X',
      schemaVersion: 3,
      schema: z.object({}),
      upcasters: { 1: addLocale, 2: addLocale },
    };
    expect(defineEvent(def)).toBe(def);
  });

  it('needs no upcasters at schema version 1', () => {
    expect(() => defineEvent({ type: 'X', schemaVersion: 1, schema: z.object({}) })).not.toThrow();
  });

  it('throws when an upcaster in the chain is missing', () => {
    expect(() => userRenamed({ 1: renameField })).toThrow(
      'event UserRenamed: no upcaster from schema version 2 to 3',
    );
    expect(() => userRenamed({ 2: addLocale })).toThrow('no upcaster from schema version 1 to 2');
    expect(() => userRenamed({})).toThrow('no upcaster from schema version 1 to 2');
  });

  it('throws at schemaVersion 3 with no upcasters at all', () => {
    expect(() => defineEvent({ type: 'X', schemaVersion: 3, schema: z.object({}) })).toThrow(
      'no upcaster from schema version 1 to 2',
    );
  });
});

describe('EventRegistry.decode', () => {
  const v3 = { userId: 'u-1', displayName: 'Ada', locale: 'fr' };

  it('upcasts an event stored at version 1 to the version 3 shape', () => {
    const registry = new EventRegistry([userRenamed()]);
    const stored = deepFreeze(recorded('UserRenamed', 1, { userId: 'u-1', name: 'Ada' }));
    const snapshot = structuredClone(stored);

    const decoded = registry.decode(stored);

    expect(decoded.schemaVersion).toBe(3);
    expect(decoded.data).toEqual({ userId: 'u-1', displayName: 'Ada', locale: 'en' });
    expect(decoded).toEqual({ ...snapshot, schemaVersion: 3, data: decoded.data });
    expect(stored).toEqual(snapshot);
    expect(stored.schemaVersion).toBe(1);
  });

  it('upcasts an event stored at version 2', () => {
    const registry = new EventRegistry([userRenamed()]);
    const stored = deepFreeze(recorded('UserRenamed', 2, { userId: 'u-1', displayName: 'Ada' }));
    const snapshot = structuredClone(stored);

    const decoded = registry.decode(stored);

    expect(decoded.schemaVersion).toBe(3);
    expect(decoded.data).toEqual({ userId: 'u-1', displayName: 'Ada', locale: 'en' });
    expect(stored).toEqual(snapshot);
  });

  it('leaves an event stored at version 3 unchanged', () => {
    const registry = new EventRegistry([userRenamed()]);
    const stored = deepFreeze(recorded('UserRenamed', 3, v3));
    const snapshot = structuredClone(stored);

    const decoded = registry.decode(stored);

    expect(decoded).toEqual(snapshot);
    expect(stored).toEqual(snapshot);
  });

  it('runs only the upcasters the stored version needs, in order', () => {
    const calls: string[] = [];
    const one = vi.fn<Upcaster>((d) => (calls.push('1->2'), renameField(d)));
    const two = vi.fn<Upcaster>((d) => (calls.push('2->3'), addLocale(d)));
    const registry = new EventRegistry([userRenamed({ 1: one, 2: two })]);

    registry.decode(recorded('UserRenamed', 1, { userId: 'u', name: 'A' }));
    expect(calls).toEqual(['1->2', '2->3']);
    expect(two).toHaveBeenCalledWith({ userId: 'u', displayName: 'A' });

    calls.length = 0;
    registry.decode(recorded('UserRenamed', 2, { userId: 'u', displayName: 'A' }));
    expect(calls).toEqual(['2->3']);

    calls.length = 0;
    registry.decode(recorded('UserRenamed', 3, v3));
    expect(calls).toEqual([]);
  });

  it('fails on read when the stored version is newer than the registry knows', () => {
    const registry = new EventRegistry([userRenamed()]);
    const error = thrown(() => registry.decode(recorded('UserRenamed', 4, v3)), EventValidationError);
    expect(error.stage).toBe('read');
    expect(error.issues).toEqual(['stored schemaVersion 4 is newer than this build knows (3)']);
  });

  it('refuses a raw definition with a missing upcaster at registration, before any event is read', () => {
    expect(
      () =>
        new EventRegistry([
          { type: 'UserRenamed', schemaVersion: 3, schema: userRenamedSchema, upcasters: { 2: addLocale } },
        ]),
    ).toThrow('event UserRenamed: no upcaster from schema version 1 to 2');
  });

  it('rejects data that fails the schema after upcasting', () => {
    const registry = new EventRegistry([userRenamed()]);
    const error = thrown(
      () => registry.decode(recorded('UserRenamed', 1, { userId: 'u-1', name: '' })),
      EventValidationError,
    );
    expect(error.stage).toBe('read');
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatch(/^displayName: /);
  });

  it('rejects current-version data that fails the schema', () => {
    const registry = new EventRegistry([userRenamed()]);
    const error = thrown(
      () => registry.decode(recorded('UserRenamed', 3, { userId: 'u-1', displayName: 'Ada' })),
      EventValidationError,
    );
    expect(error.stage).toBe('read');
    expect(error.issues[0]).toMatch(/^locale: /);
  });

  it('rejects an unknown type', () => {
    const registry = new EventRegistry([Pinged]);
    const error = thrown(() => registry.decode(recorded('Nope', 1, {})), UnknownEventTypeError);
    expect(error.eventType).toBe('Nope');
  });
});

describe('comparePositions', () => {
  const p = (commit: bigint, prepare: bigint): Position => ({ commit, prepare });

  it('orders by commit first', () => {
    expect(comparePositions(p(1n, 9n), p(2n, 0n))).toBe(-1);
    expect(comparePositions(p(2n, 0n), p(1n, 9n))).toBe(1);
  });

  it('orders by prepare when commits are equal', () => {
    expect(comparePositions(p(3n, 3n), p(3n, 4n))).toBe(-1);
    expect(comparePositions(p(3n, 4n), p(3n, 3n))).toBe(1);
  });

  it('returns 0 for equal positions', () => {
    expect(comparePositions(p(5n, 6n), p(5n, 6n))).toBe(0);
    expect(comparePositions(START, { ...START })).toBe(0);
  });

  it('puts START before every real position', () => {
    expect(comparePositions(START, p(0n, 0n))).toBe(-1);
  });

  it('compares values past Number.MAX_SAFE_INTEGER exactly', () => {
    expect(comparePositions(p(9_007_199_254_740_993n, 0n), p(9_007_199_254_740_992n, 0n))).toBe(1);
  });

  it('sorts a list', () => {
    const sorted = [p(2n, 1n), p(1n, 5n), START, p(2n, 0n)].sort(comparePositions);
    expect(sorted).toEqual([START, p(1n, 5n), p(2n, 0n), p(2n, 1n)]);
  });
});

describe('formatPosition and parsePosition', () => {
  it('formats as commit/prepare', () => {
    expect(formatPosition({ commit: 12n, prepare: 34n })).toBe('12/34');
    expect(formatPosition(START)).toBe('-1/-1');
  });

  it.each([
    START,
    { commit: 0n, prepare: 0n },
    { commit: 7n, prepare: 42n },
    { commit: 2n ** 64n - 1n, prepare: 9_007_199_254_740_993n },
  ])('round-trips %o', (position) => {
    expect(parsePosition(formatPosition(position))).toEqual(position);
  });

  it('trims surrounding whitespace', () => {
    expect(parsePosition('  5/6\n')).toEqual({ commit: 5n, prepare: 6n });
  });

  it.each(['', 'abc', '1/', '/2', '1/2/3', '1.5/2', '1 / 2', '0x1/2', '1,2'])('rejects %j', (text) => {
    expect(() => parsePosition(text)).toThrow(`expected a position as "commit/prepare", got '${text}'`);
  });
});
