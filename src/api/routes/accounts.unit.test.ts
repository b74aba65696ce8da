import { describe, expect, it } from 'vitest';
import { AppError } from '../../domain/errors.js';
import { resolveAsOf } from './accounts.js';

const now = new Date('2026-06-15T10:00:00.000Z');

describe('as_of: an instant, or a date meaning the end of that day in the service time zone', () => {
  it.each([
    [undefined, 'UTC', '2026-06-15T10:00:00.000Z'],
    ['2026-06-01T12:00:00+02:00', 'UTC', '2026-06-01T10:00:00.000Z'],
    ['2026-06-14', 'UTC', '2026-06-14T23:59:59.999Z'],
    ['2026-06-14', 'Asia/Shanghai', '2026-06-14T15:59:59.999Z'],
    ['2026-06-14', 'America/Los_Angeles', '2026-06-15T06:59:59.999Z'],
    // Today: the day is not over, so the facts are those of now.
    ['2026-06-15', 'UTC', '2026-06-15T10:00:00.000Z'],
    // Already the 16th in Kiritimati (UTC+14): today there, yesterday (the 15th) is over.
    ['2026-06-15', 'Pacific/Kiritimati', '2026-06-15T09:59:59.999Z'],
  ])('%s in %s -> %s', (asOf, zone, expected) => {
    expect(resolveAsOf(asOf, now, zone).toISOString()).toBe(expected);
  });

  it.each([
    ['2026-06-15T10:00:00.001Z', 'UTC'],
    ['2099-01-01T00:00:00Z', 'UTC'],
    ['2026-06-16', 'UTC'],
    // Still the 15th in Los Angeles: the 16th has not begun there.
    ['2026-06-16', 'America/Los_Angeles'],
  ])('%s in %s is in the future: VALIDATION_ERROR on query.as_of', (asOf, zone) => {
    const err = (() => {
      try {
        resolveAsOf(asOf, now, zone);
      } catch (e) {
        return e;
      }
    })() as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('VALIDATION_ERROR');
    expect(err.context).toMatchObject({ fields: [{ field: 'query.as_of' }] });
  });
});
