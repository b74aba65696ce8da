// What a ConfigError says: never a secret or a URL's value, every problem on its own line.
import { describe, it, expect } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { configError } from '../test/support/configError.js';

const base64Key = Buffer.alloc(32, 7).toString('base64');

describe('ConfigError never echoes secret or URL values', () => {
  it.each([
    ['DATABASE_URL', 'mysql://user:hunter2@x'],
    ['EVENTSTORE_URL', 'http://admin:hunter2@x:2113'],
    ['WHALEFALL_SECRET_KEY', 'hunter2'],
    ['METRICS_TOKEN', 'hunter2'],
  ])('%s=%s', (name, value) => {
    const error = configError({ [name]: value });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(new RegExp(`^${name}: `));
    for (const text of [error.message, String(error.stack), JSON.stringify(error.problems)]) {
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain(value);
    }
  });

  it('keeps secrets out even when reported together with other problems', () => {
    const error = configError({
      DATABASE_URL: 'mysql://user:hunter2@x',
      EVENTSTORE_URL: 'tcp://u:hunter3@x',
      WHALEFALL_SECRET_KEY: 'hunter4',
      PORT: 'abc',
    });
    expect(error.problems).toHaveLength(4);
    expect(error.message).not.toMatch(/hunter[234]/);
    expect(error.message).toContain("(got 'abc')");
  });
});

describe('ConfigError', () => {
  it('lists the problems one per line', () => {
    const error = new ConfigError(['A: one', 'B: two']);
    expect(error.message).toBe('Invalid configuration:\n  - A: one\n  - B: two');
    expect(error.problems).toEqual(['A: one', 'B: two']);
    expect(error.name).toBe('ConfigError');
  });
});

// Buffer.from(v, 'base64') would silently skip characters that are not base64.
it('WHALEFALL_SECRET_KEY rejects a value with non-base64 characters', () => {
  const key = `!!!!${base64Key}`;
  expect(() => loadConfig({ WHALEFALL_SECRET_KEY: key })).toThrow(ConfigError);
});
