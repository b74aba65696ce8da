import { describe, expect, it } from 'vitest';
import { canonicalJson, sameJson } from './sameJson.js';

const attributes = {
  user: 'app',
  host: '%',
  source: 'mysql.user',
  plugin: 'mysql_native_password',
  auth_plugins: ['mysql_native_password'],
  account_locked: false,
  password_expired: false,
  password_last_changed: '2026-11-01T00:00:00.000Z',
};

// Each pair: sameJson must answer what comparing the canonical strings answers.
const pairs: [string, unknown, unknown][] = [
  ['equal attributes', attributes, { ...attributes }],
  ['keys in another order', attributes, Object.fromEntries(Object.entries(attributes).reverse())],
  ['one value changed', attributes, { ...attributes, host: 'localhost' }],
  ['a key more', attributes, { ...attributes, extra: null }],
  ['a key less', { a: 1, b: 2 }, { a: 1 }],
  ['same count, other keys', { a: 1 }, { b: 1 }],
  ['null and a missing key', { a: null }, {}],
  ['undefined and a missing key (JSON drops it)', { a: undefined, b: 1 }, { b: 1 }],
  ['a Date and its ISO string', { at: new Date('2026-11-01T00:00:00Z') }, { at: '2026-11-01T00:00:00.000Z' }],
  ['NaN and null', { n: Number.NaN }, { n: null }],
  ['undefined in an array and null', [1, undefined], [1, null]],
  ['arrays of other lengths', [1, 2], [1, 2, 3]],
  ['array order matters', [1, 2], [2, 1]],
  ['array and object', [], {}],
  ['string and number', '1', 1],
  ['0 and -0', { n: 0 }, { n: -0 }],
  [
    'nested objects in another order',
    { a: { x: [1, { p: 1, q: 2 }], y: 'z' } },
    { a: { y: 'z', x: [1, { q: 2, p: 1 }] } },
  ],
  ['nested difference', { a: { x: [1, { p: 1 }] } }, { a: { x: [1, { p: 2 }] } }],
  ['a toJSON object and its value', { toJSON: () => 'v' }, 'v'],
  ['a null-prototype object', Object.assign(Object.create(null) as object, { a: 1 }), { a: 1 }],
  ['scalars', true, true],
  ['empty and undefined', {}, undefined],
];

describe('sameJson', () => {
  it.each(pairs)('%s: the same answer as comparing canonicalJson strings', (_title, a, b) => {
    const expected = canonicalJson(a) === canonicalJson(b);
    expect(sameJson(a, b)).toBe(expected);
    expect(sameJson(b, a)).toBe(expected);
  });

  it('answers true for equal attributes and false for a changed one', () => {
    expect(sameJson(attributes, Object.fromEntries(Object.entries(attributes).reverse()))).toBe(true);
    expect(sameJson(attributes, { ...attributes, password_expired: true })).toBe(false);
  });
});
