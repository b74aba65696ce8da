// Encoding (validation on append) and registration.
import { describe, expect, it } from 'vitest';
import { EventRegistry, EventValidationError, UnknownEventTypeError } from './registry.js';
import { eventData, metadata, Pinged, thrown, userRenamed } from '../../../test/support/registryFixture.js';

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
