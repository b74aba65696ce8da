// utcTextToIso gives, for every text PostgreSQL prints for a UTC timestamp, what pg's parser and
// toISOString gave before (the API's times are the same strings).
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { utcTextToIso } from './utcTimeText.js';

/** pg's parse of the timestamptz text PostgreSQL prints in UTC ('... 12:00:00+00', '... 12:00:00+00 BC'). */
const viaDate = (text: string) => {
  const bc = text.endsWith(' BC');
  const timestamptz = bc ? `${text.slice(0, -3)}+00 BC` : `${text}+00`;
  return (pg.types.getTypeParser(1184)(timestamptz) as Date).toISOString();
};

describe('utcTextToIso', () => {
  it('equals pg parsing the same time into a Date, then toISOString', () => {
    const texts = [
      '2026-11-22 09:00:01',
      '1999-12-31 23:59:59',
      '0999-01-01 00:00:00',
      '9999-12-31 23:59:59',
    ];
    // Every 1-, 2- and 3-digit fraction, and 6-digit ones (microseconds, truncated to milliseconds).
    for (let i = 0; i < 1000; i++) {
      const digits = String(i).padStart(3, '0');
      texts.push(`2026-11-22 09:00:01.${digits}`, `2026-11-22 09:00:01.${digits}999`);
      if (i < 100) texts.push(`2026-11-22 09:00:01.${String(i).padStart(2, '0')}`);
      if (i < 10) texts.push(`2026-11-22 09:00:01.${i}`, `2026-11-22 09:00:01.${i}00001`);
    }
    for (const text of texts) expect([text, utcTextToIso(text)]).toEqual([text, viaDate(text)]);
  });

  it('hands a text outside years 0000-9999 to pg', () => {
    expect(utcTextToIso('0044-03-15 12:00:00 BC')).toBe(viaDate('0044-03-15 12:00:00 BC'));
    expect(utcTextToIso('0044-03-15 12:00:00 BC')).toBe('-000043-03-15T12:00:00.000Z');
    expect(utcTextToIso('12026-11-22 09:00:01.5')).toBe('+012026-11-22T09:00:01.500Z');
  });
});
