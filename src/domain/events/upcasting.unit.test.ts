// Upcasting: defineEvent checks the chain of upcasters; decode runs it on read.
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  defineEvent,
  EventRegistry,
  EventValidationError,
  UnknownEventTypeError,
  type Upcaster,
} from './registry.js';
import {
  addLocale,
  deepFreeze,
  Pinged,
  recorded,
  renameField,
  thrown,
  userRenamed,
  userRenamedSchema,
} from '../../../test/support/registryFixture.js';

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
