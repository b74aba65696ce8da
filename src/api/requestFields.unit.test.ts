import { describe, expect, it } from 'vitest';
import { nameField, usernameField } from './requestFields.js';

const name = nameField(128);
const username = usernameField(128);
const messagesOf = (result: { success: boolean; error?: { issues: { message: string }[] } }) =>
  result.error?.issues.map((i) => i.message) ?? [];

describe('names and usernames refuse what hides or disguises text', () => {
  const refused: [string, string, string][] = [
    ['a NUL', 'db\u0000one', 'U+0000'],
    ['a tab inside', 'db\tone', 'U+0009'],
    ['a newline inside', 'db\none', 'U+000A'],
    ['a trailing newline (refused, not trimmed away)', 'dbone\n', 'U+000A'],
    ['an escape (terminal colours)', '\u001b[31mdb', 'U+001B'],
    ['DEL', 'db\u007f', 'U+007F'],
    ['a C1 control', 'db\u0085one', 'U+0085'],
    ['a right-to-left override', 'prod\u202Eexe.sql', 'U+202E'],
    ['a left-to-right embedding', '\u202Adb', 'U+202A'],
    ['a pop directional formatting', 'db\u202C', 'U+202C'],
    ['a first-strong isolate', 'db\u2068x', 'U+2068'],
    ['a pop directional isolate', 'db\u2069', 'U+2069'],
    ['a left-to-right mark', 'db\u200E', 'U+200E'],
    ['a right-to-left mark', 'db\u200F', 'U+200F'],
    ['an Arabic letter mark', 'db\u061C', 'U+061C'],
    ['a zero-width space', 'pro\u200Bd', 'U+200B'],
    ['a zero-width non-joiner', 'pro\u200Cd', 'U+200C'],
    ['a zero-width joiner', 'pro\u200Dd', 'U+200D'],
    ['a word joiner', 'pro\u2060d', 'U+2060'],
    ['a byte-order mark', '\uFEFFprod', 'U+FEFF'],
    ['a line separator', 'pro\u2028d', 'U+2028'],
  ];
  it.each(refused)('a name with %s', (_what, value, code) => {
    const result = name.safeParse(value);
    expect(result.success).toBe(false);
    expect(messagesOf(result)).toEqual([
      `must not contain control, bidi or zero-width characters (found ${code})`,
    ]);
  });
  it.each(refused)('a username with %s', (_what, value, code) => {
    expect(messagesOf(username.safeParse(value))).toEqual([
      `must not contain control, bidi or zero-width characters (found ${code})`,
    ]);
  });

  it.each([[''], [' '], ['     '], ['\u00a0\u3000']])('a name %j that is empty or only spaces', (value) => {
    expect(messagesOf(name.safeParse(value))).toEqual(['must not be empty or only spaces']);
  });
  it.each([[' '], ['     '], ['\u00a0\u3000']])('a username %j that is only spaces', (value) => {
    expect(messagesOf(username.safeParse(value))).toEqual(['must not be only spaces']);
  });

  it.each([
    ['plain', 'prod-db-01', 'prod-db-01'],
    ['spaces around (trimmed)', '  prod db  ', 'prod db'],
    ['accents and other scripts', 'base de données 数据库 قاعدة', 'base de données 数据库 قاعدة'],
    ['an emoji with a joiner-free sequence', 'db 🐋', 'db 🐋'],
  ])('a name that is %s is kept', (_what, value, expected) => {
    expect(name.parse(value)).toBe(expected);
  });
  it('a username is kept as given, spaces included', () => {
    expect(username.parse(' app user ')).toBe(' app user ');
  });
  it('the length limit still holds', () => {
    expect(name.safeParse('x'.repeat(129)).success).toBe(false);
    expect(username.safeParse('x'.repeat(129)).success).toBe(false);
  });
});
